// The allocation commission: residences with vacant dwellings on a map and in a ranked list (for
// an applicant category, best suited first, with the reasons), and the chosen residence's view.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { ApiError, fetchCommunes, fetchEpci, fetchQpv, getJSON, send } from "../data/api.js";
import { Territory, createMap } from "../rendering/map.js";
import { qpvLayers } from "../rendering/qpv.js";
import { el, showMessage } from "../campaigns/dom.js";
import { STRINGS } from "../i18n.js";
import { deferred } from "../ui/deferred.js";
import { disclosure } from "../ui/disclosure.js";
import { asText } from "../ui/text.js";
import { renderDetail, renderReport } from "./detail.js";
import { C, frenchDate } from "./strings.js";

const config = JSON.parse(document.getElementById("commission-config").textContent);
const page = {
  form: document.getElementById("filters"),
  toggle: document.getElementById("filters-toggle"),
  summary: document.getElementById("summary"),
  message: document.getElementById("message"),
  list: document.getElementById("vacancies"),
  key: document.getElementById("stance-key"),
  detail: document.getElementById("detail"),
  map: document.getElementById("map"),
  importForm: document.getElementById("import-form"),
  importResult: document.getElementById("import-result"),
  importReport: document.getElementById("import-report"),
  banner: document.getElementById("demo-banner"),
};
const STANCE_COLOURS = { favour: "#018571", neutral: "#80cdc1", avoid: "#a6611a" };
const UNKNOWN = { fill: "#ffffff", stroke: "#4d4d4d" };
/** Residences listed without a category: one colour, no stance. */
const UNRANKED = "#1d4ed8";

const view = { map: null, features: [], markers: new Map(), selected: null, detail: null };
const settle = deferred();

/** A hook for browser tests and the console. */
window.qualiparcCommission = {
  ready: settle.promise,
  state: () => document.body.dataset.state,
  codes: () => view.features.map((f) => f.properties.code),
  vacancies: () => view.features.map((f) => f.properties),
  detail: () => view.detail,
  select: (code) => select(code),
  map: () => view.map,
};

function setState(state) {
  document.body.dataset.state = state;
}

function filters() {
  const data = new FormData(page.form);
  return Object.fromEntries([...data.entries()].filter(([, value]) => value !== ""));
}

function fillCommunes(selected = "") {
  const epci = page.form.epci.value;
  const communes = config.communes.filter((c) => !epci || c.epci === epci);
  page.form.commune.replaceChildren(
    el("option", { value: "" }, C.allCommunes),
    ...communes.map((c) => el("option", { value: c.insee }, c.name)),
  );
  page.form.commune.value = communes.some((c) => c.insee === selected) ? selected : "";
}

function markerStyle(properties, selected) {
  const colour = properties.category ? STANCE_COLOURS[properties.stance] : UNRANKED;
  return {
    radius: selected ? 13 : 9,
    weight: selected ? 4 : 2,
    color: colour ? "#1f2937" : UNKNOWN.stroke,
    fillColor: colour ?? UNKNOWN.fill,
    fillOpacity: 0.95,
  };
}

function drawMarkers(layer) {
  layer.clearLayers();
  view.markers.clear();
  for (const feature of view.features) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.circleMarker([lat, lon], markerStyle(p, p.code === view.selected));
    marker.bindTooltip(asText(`${C.rank(p.rank)} · ${p.name} (${p.commune_name})`));
    marker.on("click", () => select(p.code, { focusDetail: true }));
    marker.addTo(layer);
    view.markers.set(p.code, marker);
  }
}

function listItem(p) {
  const stance = p.category
    ? el("span", { className: `stance stance--${p.stance ?? "unknown"}` }, p.stance_label)
    : null;
  const grade =
    p.grade_status === "visible" ? p.grade_label : p.grade_status === "hidden" ? C.gradeUnknown : C.noGrade;
  const button = el(
    "button",
    { type: "button", className: "vacancy-list__pick" },
    el("span", { className: "vacancy-list__rank" }, C.rank(p.rank)),
    el("span", { className: "vacancy-list__name" }, p.name),
    el(
      "span",
      { className: "vacancy-list__facts" },
      `${p.commune_name} · ${p.bailleur} · ${C.vacant(p.vacant, frenchDate(p.declared_on))}`,
    ),
    el("span", { className: "vacancy-list__facts" }, `${grade}${p.peuplement_label ? ` · ${p.peuplement_label}` : ""}`),
    stance,
  );
  button.dataset.code = p.code;
  if (p.code === view.selected) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => select(p.code, { focusDetail: true }));
  const reasons = p.reasons.length
    ? el("ul", { className: "vacancy-list__reasons" }, ...p.reasons.map((r) => el("li", {}, r)))
    : null;
  return el("li", { className: "vacancy-list__item" }, button, reasons);
}

function renderList() {
  const category = config.categories.find((c) => c.code === page.form.category.value);
  const dwellings = view.features.reduce((sum, f) => sum + f.properties.vacant, 0);
  page.summary.textContent = view.features.length
    ? C.summary(view.features.length, dwellings, category?.label)
    : C.none;
  page.key.hidden = !category;
  page.list.replaceChildren(...view.features.map((f) => listItem(f.properties)));
}

let markerLayer = null;
let controller = null;

async function load() {
  controller?.abort();
  controller = new AbortController();
  setState("loading");
  page.summary.textContent = C.loading;
  const query = filters();
  window.history.replaceState(null, "", `?${new URLSearchParams({ ...query, ...(view.selected ? { residence: view.selected } : {}) })}`);
  const collection = await getJSON("/api/commission/vacancies", query, { signal: controller.signal });
  view.features = collection.features;
  page.banner.textContent = STRINGS.demoBanner;
  page.banner.hidden = !view.features.some((f) => f.properties.is_demo);
  renderList();
  drawMarkers(markerLayer);
  showMessage(page.message, "");
  setState("ready");
}

function highlight(code) {
  for (const [key, marker] of view.markers) {
    marker.setStyle(markerStyle(featureOf(key), key === code));
  }
  for (const button of page.list.querySelectorAll(".vacancy-list__pick")) {
    if (button.dataset.code === code) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

function featureOf(code) {
  return view.features.find((f) => f.properties.code === code)?.properties ?? {};
}

async function select(code, { focusDetail = false, notice = null } = {}) {
  view.selected = code;
  highlight(code);
  const year = page.form.year.value || config.year;
  const residence = await getJSON(`/api/commission/residences/${encodeURIComponent(code)}`, { year });
  view.detail = residence;
  renderDetail(page.detail, residence, { config, actions, notice });
  const marker = view.markers.get(code);
  if (marker) view.map.panTo(marker.getLatLng());
  const params = new URLSearchParams(window.location.search);
  params.set("residence", code);
  window.history.replaceState(null, "", `?${params}`);
  if (focusDetail) page.detail.querySelector("h2")?.focus();
  return residence;
}

/** The writes of the residence panel: each one reloads the list and the panel, with a notice. */
const actions = {
  async decide(code, body) {
    await send("POST", `/api/commission/residences/${encodeURIComponent(code)}/decisions`, { json: body });
    await refresh(code, C.recorded);
  },
  async cancel(code, id) {
    await send("DELETE", `/api/commission/decisions/${id}`);
    await refresh(code, C.cancelled);
  },
  async vacancy(code, body) {
    await send("PUT", `/api/commission/residences/${encodeURIComponent(code)}/vacancy`, { json: body });
    await refresh(code, C.vacancySaved);
  },
};

async function refresh(code, notice) {
  await load();
  await select(code, { notice });
}

function wireImport() {
  if (!page.importForm) return;
  page.importForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = page.importForm.querySelector("button[type=submit]");
    showMessage(page.importResult, "");
    page.importReport.replaceChildren();
    button.disabled = true;
    const form = new FormData();
    form.append("file", page.importForm.file.files[0]);
    try {
      const summary = await send("POST", "/api/commission/vacancies/import", { form });
      showMessage(page.importResult, C.importDone(summary), "ok");
      await load();
    } catch (error) {
      showMessage(page.message, error.message);
      if (error.details?.errors) renderReport(page.importReport, error.details.errors);
    } finally {
      button.disabled = false;
    }
  });
}

async function start() {
  setState("loading");
  disclosure(page.toggle, page.form, { phoneOnly: true });
  const params = new URLSearchParams(window.location.search);
  for (const name of ["category", "epci", "year"]) {
    if (params.has(name)) page.form[name].value = params.get(name);
  }
  fillCommunes(params.get("commune") ?? "");
  page.form.epci.addEventListener("change", () => fillCommunes());
  page.form.addEventListener("change", () => load().catch(fail));
  page.form.addEventListener("submit", (event) => event.preventDefault());
  wireImport();

  const map = createMap(page.map);
  view.map = map;
  markerLayer = L.featureGroup().addTo(map);
  const sirens = config.epci.map((e) => e.siren);
  const [epci, qpv, ...communes] = await Promise.all([
    fetchEpci(),
    fetchQpv(),
    ...sirens.map((siren) => fetchCommunes(siren)),
  ]);
  const outlines = new Territory(
    { type: "FeatureCollection", features: communes.flatMap((c) => c.features) },
    { type: "FeatureCollection", features: epci.features.filter((f) => sirens.includes(f.properties.code)) },
  );
  outlines.layer.addTo(map);
  for (const { layer } of qpvLayers(qpv)) layer.addTo(map);
  await load();
  const bounds = markerLayer.getLayers().length ? markerLayer.getBounds() : outlines.epciBounds();
  if (bounds?.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  const wanted = params.get("residence");
  if (wanted) await select(wanted);
}

function fail(error) {
  if (error.name === "AbortError") return;
  showMessage(page.message, error instanceof ApiError ? error.message : String(error.message ?? error));
  setState("error");
}

start().then(
  () => {
    setState("ready");
    settle.resolve();
  },
  (error) => {
    fail(error);
    settle.reject(error);
  },
);
