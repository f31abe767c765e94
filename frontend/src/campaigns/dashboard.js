// The campaign dashboard: phases, key figures, small charts by commune and landlord, the map of
// the evolution since the previous campaign, and the administrator's settings.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { fetchCommunes, fetchEpci } from "../data/api.js";
import { formatInteger } from "../i18n.js";
import { Territory, createMap } from "../rendering/map.js";
import {
  createCampaign,
  fetchCampaign,
  fetchComparison,
  fetchStats,
  listCampaigns,
  me,
  patchCampaign,
} from "./api.js";
import { barChart, shareBar, stackedChart } from "./charts.js";
import { el, runPage, showMessage } from "./dom.js";
import { CAMPAIGN_STRINGS as S, TREND_COLOURS, TREND_LABELS, formatPercent } from "./strings.js";
import { deferred } from "../ui/deferred.js";
import { asText } from "../ui/text.js";

const PHASES = [
  ["preparation", "Préparation"],
  ["grading", "Notation"],
  ["harmonisation", "Harmonisation"],
  ["closed", "Clôturée"],
];
const MEL_COVERAGE = 70;
const MEETING_ROLES = new Set(["admin", "elu", "reader"]);
const COVERAGE_COLOURS = ["#1d4ed8", "#93c5fd", "#e5e7eb"];
const UNGRADED_COLOUR = "#8c8c8c";

const root = document.getElementById("dashboard");
const message = document.getElementById("message");
const campaignId = root.dataset.campaign ? Number(root.dataset.campaign) : null;
const view = { campaign: null, stats: null, comparison: null, markers: null };

const settle = deferred();
const ready = settle.promise;

/** A hook for browser tests and the console. */
window.qualiparcCampaign = {
  ready,
  campaign: () => view.campaign,
  stats: () => view.stats,
  trends: () => view.comparison?.features.map((f) => f.properties) ?? [],
  /** Open each tooltip of the comparison map; their text as shown. */
  tooltips: () =>
    (view.markers?.getLayers() ?? []).map((marker) => {
      marker.openTooltip();
      return marker.getTooltip().getElement()?.textContent ?? "";
    }),
};

function fillSelect(campaigns) {
  const select = document.getElementById("campaign-select");
  select.replaceChildren(
    ...campaigns.map((c) =>
      el("option", { value: String(c.id) }, `${c.name} (${c.epci_name}) · ${c.status_label}`),
    ),
  );
  if (campaignId) select.value = String(campaignId);
  select.addEventListener("change", () => window.location.assign(`/campagnes/${select.value}`));
}

function renderPhases(campaign) {
  const current = PHASES.findIndex(([key]) => key === campaign.status);
  document.getElementById("phases").replaceChildren(
    ...PHASES.map(([key, label], index) => {
      const item = el("li", { className: "phases__step" }, label);
      item.dataset.state = index < current ? "done" : index === current ? "current" : "todo";
      if (index === current) item.setAttribute("aria-current", "step");
      item.dataset.phase = key;
      return item;
    }),
  );
}

function renderActions(campaign, account) {
  const actions = document.getElementById("actions");
  const links = [el("a", { className: "button", href: `/campagnes/${campaign.id}/notation` }, S.linkGrading)];
  if (campaign.permissions.grade_sides.length && campaign.status === "grading") {
    links.push(el("a", { className: "button", href: `/campagnes/${campaign.id}/import` }, S.linkUpload));
  }
  if (
    campaign.permissions.joint_visible &&
    MEETING_ROLES.has(account.role) &&
    ["harmonisation", "closed"].includes(campaign.status)
  ) {
    links.push(el("a", { className: "button", href: `/reunion/${campaign.id}` }, S.linkMeeting));
  }
  if (campaign.permissions.administer && campaign.next_status) {
    const label = PHASES.find(([key]) => key === campaign.next_status)[1];
    const button = el("button", { type: "button", className: "button button--primary", id: "next-phase" }, S.nextPhase(label));
    button.addEventListener("click", async () => {
      if (!window.confirm(S.confirmNextPhase(label))) return;
      try {
        await patchCampaign(campaign.id, { status: campaign.next_status });
        window.location.reload();
      } catch (error) {
        showMessage(message, error.message);
      }
    });
    links.push(button);
  }
  actions.replaceChildren(...links);
}

function figure(label, value, detail = null, extra = null) {
  return el(
    "div",
    { className: "figure" },
    el("p", { className: "figure__value" }, value),
    el("p", { className: "figure__label" }, label),
    detail ? el("p", { className: "figure__detail" }, detail) : null,
    extra,
  );
}

function renderFigures(stats) {
  const hidden = S.hiddenWhileGrading;
  const cards = [
    figure(S.figureResidences, formatInteger(stats.residences_total), S.ofDwellings(stats.dwellings_total)),
    figure(S.figureGradedBoth, formatInteger(stats.graded_both), S.ofDwellings(stats.dwellings_graded_both)),
    figure(S.figureGradedOne, formatInteger(stats.graded_one_side), S.ofDwellings(stats.dwellings_graded_one_side)),
    figure(
      S.figureCoverage,
      formatPercent(stats.coverage_dwellings_pct),
      `repère : ${MEL_COVERAGE} % à la MEL`,
      shareBar(stats.coverage_dwellings_pct, { reference: MEL_COVERAGE, referenceLabel: "MEL : 70 %" }),
    ),
    figure(
      S.figureDivergence,
      stats.divergence_pct === null && stats.divergent === null ? "–" : formatPercent(stats.divergence_pct),
      stats.divergent === null ? hidden : `${formatInteger(stats.divergent)} ${S.figureDivergent.toLowerCase()}`,
    ),
    figure(
      S.figureHarmonised,
      stats.harmonised === null ? "–" : S.harmonisedOf(stats.harmonised, stats.divergent),
      stats.harmonised === null ? hidden : `${S.figureDivergent.toLowerCase()} : ${formatInteger(stats.divergent_pending)} en attente`,
    ),
  ];
  document.getElementById("figures").replaceChildren(...cards);
}

function coverageRows(rows, labelOf) {
  return [...rows]
    .sort((a, b) => b.dwellings_total - a.dwellings_total)
    .map((row) => ({
      label: labelOf(row),
      parts: [
        row.dwellings_graded_both,
        row.dwellings_graded_one_side,
        row.dwellings_total - row.dwellings_graded_both - row.dwellings_graded_one_side,
      ],
      total: row.dwellings_total,
      coverage: row.coverage_dwellings_pct,
    }));
}

function renderCharts(stats, campaign) {
  const segments = [
    { label: S.legendBoth, colour: COVERAGE_COLOURS[0] },
    { label: S.legendOne, colour: COVERAGE_COLOURS[1] },
    { label: S.legendNone, colour: COVERAGE_COLOURS[2] },
  ];
  const format = (row) => formatPercent(row.coverage);
  const charts = [
    stackedChart(S.chartByCommune, coverageRows(stats.by_commune, (r) => r.name), segments, { format }),
    stackedChart(S.chartByBailleur, coverageRows(stats.by_bailleur, (r) => r.name), segments, { format }),
  ];
  if (stats.agreed_by_grade) {
    const rows = campaign.legend.filter((entry) => entry.status !== "hidden").map((entry) => ({
      label: entry.grade === null ? S.ungraded : `${entry.grade} · ${entry.label}`,
      value: stats.agreed_by_grade[entry.grade === null ? "none" : String(entry.grade)],
      colour: entry.colour,
    }));
    charts.push(barChart(S.chartAgreed, rows, { max: Math.max(1, stats.residences_total), format: formatInteger }));
    const divergence = (rows, labelOf) =>
      rows
        .filter((row) => row.graded_both > 0)
        .sort((a, b) => (b.divergence_pct ?? 0) - (a.divergence_pct ?? 0))
        .map((row) => ({ label: labelOf(row), value: row.divergence_pct }));
    charts.push(
      barChart(S.chartDivergenceByCommune, divergence(stats.by_commune, (r) => r.name), {
        format: formatPercent,
        colour: "#b91c1c",
      }),
      barChart(S.chartDivergenceByBailleur, divergence(stats.by_bailleur, (r) => r.name), {
        format: formatPercent,
        colour: "#b91c1c",
      }),
    );
  }
  document.getElementById("charts").replaceChildren(...charts);
}

async function renderComparison(campaign) {
  const summary = document.getElementById("comparison-summary");
  const [collection, communes, epci] = await Promise.all([
    fetchComparison(campaign.id),
    fetchCommunes(campaign.epci),
    fetchEpci(),
  ]);
  view.comparison = collection;
  const counts = new Map();
  for (const { properties } of collection.features) {
    counts.set(properties.trend, (counts.get(properties.trend) ?? 0) + 1);
  }
  if (!campaign.permissions.joint_visible) summary.textContent = S.comparisonHidden;
  else if (!campaign.previous_campaign_id) summary.textContent = S.comparisonNone;
  else {
    summary.replaceChildren(
      ...Object.entries(TREND_LABELS).map(([key, label]) => {
        const swatch = el("span", { className: "swatch" });
        swatch.style.backgroundColor = TREND_COLOURS[key];
        return el("span", { className: "comparison__count" }, swatch, `${label} : ${formatInteger(counts.get(key) ?? 0)}`);
      }),
    );
  }
  const map = createMap(document.getElementById("comparison-map"));
  const territory = new Territory(communes, epci);
  territory.layer.addTo(map);
  const outline = territory.select({ epci: campaign.epci });
  const markers = L.featureGroup().addTo(map);
  view.markers = markers;
  for (const { geometry, properties } of collection.features) {
    const [lon, lat] = geometry.coordinates;
    const colour = TREND_COLOURS[properties.trend] ?? UNGRADED_COLOUR;
    const marker = L.circleMarker([lat, lon], {
      radius: 5,
      color: "#ffffff",
      weight: 1,
      fillColor: colour,
      fillOpacity: 0.9,
    });
    const trend = TREND_LABELS[properties.trend] ?? S.ungraded;
    marker.bindTooltip(
      asText(
        `${properties.name} (${properties.commune_name}) : ${properties.previous_grade ?? "–"} → ${properties.grade ?? "–"} · ${trend}`,
      ),
    );
    markers.addLayer(marker);
  }
  const bounds = markers.getLayers().length ? markers.getBounds() : outline;
  if (bounds) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 14 });
}

function settingsForm(campaign) {
  const threshold = el(
    "select",
    { id: "threshold", name: "divergence_threshold" },
    ...[1, 2, 3].map((n) => el("option", { value: String(n) }, `${n} point${n > 1 ? "s" : ""}`)),
  );
  threshold.value = String(campaign.divergence_threshold);
  const published = el(
    "select",
    { id: "published", name: "published_level" },
    el("option", { value: "" }, S.publishedNone),
    ...Object.entries(S.publishedLevels).map(([key, label]) => el("option", { value: key }, label)),
  );
  published.value = campaign.published_level ?? "";
  const labels = Object.entries(campaign.scale_labels).map(([grade, label]) =>
    el("label", { className: "scale-label" }, `${grade} `, el("input", { name: `label-${grade}`, value: label, required: true })),
  );
  const status = el("p", { className: "message", role: "status", hidden: true });
  const form = el(
    "form",
    { className: "campaign-form", id: "settings" },
    el("h2", {}, S.settingsTitle),
    status,
    el("label", { htmlFor: "threshold" }, S.settingsThreshold),
    threshold,
    el("label", { htmlFor: "published" }, S.settingsPublished),
    published,
    el("fieldset", {}, el("legend", {}, S.settingsLabels), ...labels),
    el("button", { type: "submit", className: "button button--primary" }, S.save),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scale = Object.fromEntries(
      Object.keys(campaign.scale_labels).map((grade) => [grade, form[`label-${grade}`].value]),
    );
    try {
      await patchCampaign(campaign.id, {
        divergence_threshold: Number(threshold.value),
        published_level: published.value || null,
        scale_labels: scale,
      });
      showMessage(status, S.saved, "ok");
      await refresh();
    } catch (error) {
      showMessage(status, error.message);
    }
  });
  return form;
}

function newCampaignForm(account, campaign) {
  const scoped = account.scopes.epci ?? [];
  const epci = scoped.length
    ? el("select", { id: "new-epci", name: "epci" }, ...scoped.map((code) => el("option", { value: code }, code)))
    : el("input", { id: "new-epci", name: "epci", pattern: "\\d{9}", required: true });
  if (campaign) epci.value = campaign.epci;
  const year = campaign ? campaign.year + 1 : new Date().getFullYear();
  const status = el("p", { className: "message", role: "status", hidden: true });
  const form = el(
    "form",
    { className: "campaign-form", id: "new-campaign" },
    el("h2", {}, S.newCampaignTitle),
    status,
    el("label", { htmlFor: "new-epci" }, S.newCampaignEpci),
    epci,
    el("label", { htmlFor: "new-name" }, S.newCampaignName),
    el("input", { id: "new-name", name: "name", required: true, value: campaign ? `${campaign.name.replace(/\d{4}$/, "").trim()} ${year}` : "" }),
    el("label", { htmlFor: "new-year" }, S.newCampaignYear),
    el("input", { id: "new-year", name: "year", type: "number", min: 2000, max: 2100, value: year }),
    el("button", { type: "submit", className: "button button--primary" }, S.newCampaignCreate),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await createCampaign({
        epci: form.epci.value,
        name: form.name.value,
        year: Number(form.year.value),
      });
      window.location.assign(`/campagnes/${created.id}`);
    } catch (error) {
      showMessage(status, error.message);
    }
  });
  return form;
}

async function refresh() {
  const [campaign, stats] = await Promise.all([fetchCampaign(campaignId), fetchStats(campaignId)]);
  view.campaign = campaign;
  view.stats = stats;
  renderPhases(campaign);
  renderFigures(stats);
  renderCharts(stats, campaign);
  return campaign;
}

async function start() {
  document.body.dataset.state = "loading";
  const [account, campaigns] = await Promise.all([me(), listCampaigns()]);
  fillSelect(campaigns);
  const admin = document.getElementById("admin");
  if (!campaignId) {
    showMessage(message, S.noCampaign);
    if (account.role === "admin") {
      admin.replaceChildren(newCampaignForm(account, null));
      admin.hidden = false;
    }
    return;
  }
  const campaign = await refresh();
  renderActions(campaign, account);
  if (campaign.permissions.administer) {
    admin.replaceChildren(settingsForm(campaign), newCampaignForm(account, campaign));
    admin.hidden = false;
  }
  await renderComparison(campaign);
}

runPage(start, settle, message);
