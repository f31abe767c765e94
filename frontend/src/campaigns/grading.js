// The grading map: a commune or a landlord clicks one of its residences and enters its grade and a
// comment; the EPCI administrator also records the harmonised grade during harmonisation.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { fetchCommunes, fetchEpci } from "../data/api.js";
import { Territory, createMap } from "../rendering/map.js";
import { radiusFor } from "../rendering/residences.js";
import {
  fetchCampaign,
  fetchGrades,
  fetchHarmonisation,
  fetchHistory,
  saveGrade,
  saveHarmonisation,
} from "./api.js";
import { checkedGrade, el, gradeChoices, runPage, showMessage } from "./dom.js";
import { CAMPAIGN_STRINGS as S, SIDE_LABELS } from "./strings.js";
import { deferred } from "../ui/deferred.js";
import { asText } from "../ui/text.js";

const UNGRADED_COLOUR = "#8c8c8c";
const SELECTED_STYLE = { color: "#111827", weight: 3 };
const IDLE_STYLE = { color: "#ffffff", weight: 1 };

const panel = document.getElementById("grading");
const message = document.getElementById("message");
const section = document.getElementById("residence");
const campaignId = Number(panel.dataset.campaign);
const view = { campaign: null, colourBy: null, markers: new Map(), selected: null };

const settle = deferred();
const ready = settle.promise;

/** A hook for browser tests and the console. */
window.qualiparcGrading = {
  ready,
  select: (code) => select(code),
  residences: () => [...view.markers.values()].map((marker) => marker.feature.properties),
};

const gradeField = (key) => (key === "agreed" ? "agreed_grade" : `${key}_grade`);

function colourOf(properties) {
  const grade = properties[gradeField(view.colourBy)];
  const entry = view.campaign.legend.find((e) => e.grade === grade && e.status !== "hidden");
  return entry?.colour ?? UNGRADED_COLOUR;
}

function paint(marker) {
  marker.setStyle({ fillColor: colourOf(marker.feature.properties) });
}

function renderProgress() {
  const all = [...view.markers.values()].map((marker) => marker.feature.properties);
  const parts = view.campaign.permissions.visible_sides.map((side) => {
    const done = all.filter((p) => p[`${side}_grade`] !== null).length;
    return `${SIDE_LABELS[side]} : ${S.progress(done, all.length)}`;
  });
  document.getElementById("progress").textContent = parts.join(" · ");
}

function colourChoice(campaign) {
  const options = campaign.permissions.visible_sides.map((side) => [side, S.colourBySide(side)]);
  if (campaign.permissions.joint_visible) options.unshift(["agreed", S.colourByAgreed]);
  const own = campaign.permissions.grade_sides;
  view.colourBy = own.length === 1 ? own[0] : options[0]?.[0] ?? "agreed";
  const select = el(
    "select",
    { id: "colour-select" },
    ...options.map(([key, label]) => el("option", { value: key }, label)),
  );
  select.value = view.colourBy;
  select.addEventListener("change", () => {
    view.colourBy = select.value;
    for (const marker of view.markers.values()) paint(marker);
  });
  document.getElementById("colour-by").replaceChildren(el("label", { htmlFor: "colour-select" }, S.colourBy), select);
}

function facts(properties) {
  const rows = [
    ["Code", properties.code],
    ["Commune", properties.commune_name],
    ["Bailleur", properties.bailleur],
    ["Logements", String(properties.nb_logements)],
  ];
  if (properties.qpv_code) rows.push(["QPV", properties.qpv_code]);
  return el("dl", { className: "residence-form__facts" }, ...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

function gradeLine(side, properties) {
  const grade = properties[`${side}_grade`];
  const label = view.campaign.legend.find((entry) => entry.grade === grade)?.label;
  const text = grade === null ? S.notGraded : `${grade} · ${label}`;
  const comment = properties[`${side}_comment`];
  return el(
    "div",
    { className: "residence-form__grade" },
    el("strong", {}, `${S.gradeOf(side)} : `),
    text,
    comment ? el("p", { className: "residence-form__comment" }, `« ${comment} »`) : null,
  );
}

function gradeForm(side, properties) {
  const status = el("p", { className: "message", role: "status", hidden: true });
  const choices = gradeChoices(`grade-${side}`, view.campaign.legend, properties[`${side}_grade`]);
  const comment = el("textarea", { id: `comment-${side}`, name: "comment", rows: 3, maxLength: 2000 });
  comment.value = properties[`${side}_comment`] ?? "";
  const form = el(
    "form",
    { className: "campaign-form grade-form", id: `grade-form-${side}` },
    el("h3", {}, S.gradeOf(side)),
    status,
    choices,
    el("label", { htmlFor: `comment-${side}` }, S.comment),
    comment,
    el("button", { type: "submit", className: "button button--primary" }, S.saveGrade),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = checkedGrade(choices);
    if (value === null) return;
    try {
      const saved = await saveGrade(view.campaign.id, properties.code, { side, value, comment: comment.value });
      properties[`${side}_grade`] = saved.value;
      properties[`${side}_comment`] = saved.comment;
      paint(view.markers.get(properties.code));
      renderProgress();
      showMessage(status, S.gradeSaved(saved.value), "ok");
    } catch (error) {
      showMessage(status, error.message);
    }
  });
  return form;
}

async function harmonisationForm(properties) {
  const current = await fetchHarmonisation(view.campaign.id, properties.code);
  const state = { version: current.version };
  const status = el("p", { className: "message", role: "status", hidden: true });
  const summary = el("p", { className: "residence-form__harmonised" }, S.harmonised(current));
  const choices = gradeChoices("harmonised", view.campaign.legend, current.value);
  const rationale = el("textarea", { id: "rationale", rows: 3, maxLength: 2000 });
  rationale.value = current.rationale ?? "";
  const form = el(
    "form",
    { className: "campaign-form", id: "harmonisation-form" },
    el("h3", {}, S.harmonisationTitle),
    summary,
    status,
    choices,
    el("label", { htmlFor: "rationale" }, S.rationale),
    rationale,
    el("button", { type: "submit", className: "button button--primary" }, S.saveHarmonisation),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = checkedGrade(choices);
    if (value === null) return;
    try {
      const saved = await saveHarmonisation(view.campaign.id, properties.code, {
        value,
        rationale: rationale.value,
        expected_version: state.version,
      });
      state.version = saved.version;
      summary.textContent = S.harmonised(saved);
      properties.harmonised_grade = saved.value;
      properties.agreed_grade = saved.value;
      paint(view.markers.get(properties.code));
      showMessage(status, S.saved, "ok");
    } catch (error) {
      if (error.status === 409 && error.details) {
        state.version = error.details.version;
        summary.textContent = S.harmonised(error.details);
      }
      showMessage(status, error.message);
    }
  });
  return form;
}

function historyBlock(code) {
  const list = el("ol", { className: "history" });
  const button = el("button", { type: "button", className: "button" }, S.historyTitle);
  button.addEventListener("click", async () => {
    const { events } = await fetchHistory(code, view.campaign.id);
    list.replaceChildren(
      ...(events.length ? events.map((e) => el("li", {}, S.historyLine(e))) : [el("li", {}, S.historyEmpty)]),
    );
  });
  return el("div", {}, button, list);
}

async function select(code) {
  const marker = view.markers.get(code);
  if (!marker) return null;
  if (view.selected) view.markers.get(view.selected)?.setStyle(IDLE_STYLE);
  view.selected = code;
  marker.setStyle(SELECTED_STYLE).bringToFront();
  const { campaign } = view;
  const properties = marker.feature.properties;
  const blocks = [el("h2", { className: "residence-form__name" }, properties.name), facts(properties)];
  const editable = campaign.status === "grading" ? campaign.permissions.grade_sides : [];
  for (const side of campaign.permissions.visible_sides) {
    blocks.push(editable.includes(side) ? gradeForm(side, properties) : gradeLine(side, properties));
  }
  if (campaign.permissions.grade_sides.length && campaign.status !== "grading") {
    blocks.push(el("p", { className: "hint" }, S.notGradingPhase));
  }
  if (campaign.permissions.joint_visible && properties.divergent) {
    blocks.push(el("p", { className: "residence-form__divergent" }, S.divergent));
  }
  if (campaign.permissions.administer && campaign.status === "harmonisation") {
    blocks.push(await harmonisationForm(properties));
  } else if (campaign.permissions.joint_visible && properties.agreed_grade !== null) {
    blocks.push(el("p", {}, `${S.agreed} : ${properties.agreed_grade}`));
  }
  blocks.push(historyBlock(code));
  section.replaceChildren(...blocks);
  section.hidden = false;
  return section;
}

async function start() {
  document.body.dataset.state = "loading";
  const campaign = await fetchCampaign(campaignId);
  view.campaign = campaign;
  const [collection, communes, epci] = await Promise.all([
    fetchGrades(campaignId),
    fetchCommunes(campaign.epci),
    fetchEpci(),
  ]);
  colourChoice(campaign);
  const map = createMap(document.getElementById("map"));
  const territory = new Territory(communes, epci);
  territory.layer.addTo(map);
  territory.select({ epci: campaign.epci });
  const group = L.featureGroup().addTo(map);
  for (const feature of collection.features) {
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.circleMarker([lat, lon], {
      ...IDLE_STYLE,
      radius: radiusFor(feature.properties.nb_logements),
      fillOpacity: 0.9,
    });
    marker.feature = feature;
    marker.bindTooltip(asText(feature.properties.name));
    marker.on("click", () => select(feature.properties.code));
    paint(marker);
    group.addLayer(marker);
    view.markers.set(feature.properties.code, marker);
  }
  if (view.markers.size) map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 15 });
  renderProgress();
}

runPage(start, settle, message);
