// The quartiers page: choropleth of /api/quartiers, peuplement layer, allocation-targets table.
import { ApiError, fetchCommunes, fetchEpci, fetchMeta, fetchQpv, getJSON } from "../data/api.js";
import { STRINGS } from "../i18n.js";
import { legend as createLegend } from "../rendering/legend.js";
import {
  Territory,
  createMap,
  layerControl,
  onlineTileLayer,
  toLatLngBounds,
} from "../rendering/map.js";
import { qpvLayers } from "../rendering/qpv.js";
import { choroplethLayer, countByClass, indicators, legendClasses } from "./choropleth.js";
import { PeuplementLayer } from "./peuplements.js";
import { Q, formatCount } from "./strings.js";
import { renderTargets, targetsSummary } from "./targets.js";
import { deferred } from "../ui/deferred.js";

const $ = (id) => document.getElementById(id);
const page = {
  map: $("map"),
  level: $("level"),
  indicator: $("indicator"),
  help: $("indicator-help"),
  summary: $("summary"),
  message: $("message"),
  banner: $("demo-banner"),
  peuplementToggle: $("peuplement-toggle"),
  peuplementTypes: [...document.querySelectorAll('input[name="peuplement"]')],
  targetsLevel: $("targets-level"),
  targetsYear: $("targets-year"),
  targetsSummary: $("targets-summary"),
  targetsTable: $("targets-table"),
};
const signedIn = document.querySelector("script[data-signed-in]")?.dataset.signedIn === "true";
const TARGET_LEVELS = new Set(["commune", "epci"]);

/** What the page shows, for browser tests and the console. */
const view = { quartiers: [], peuplements: 0, targets: [] };
const settle = deferred();
const ready = settle.promise;
window.qualiparcQuartiers = {
  ready,
  state: () => document.body.dataset.state,
  quartiers: () => view.quartiers.map((feature) => feature.properties),
  peuplementCount: () => view.peuplements,
  targets: () => view.targets,
};

function setState(state) {
  document.body.dataset.state = state;
}

function showMessage(text) {
  page.message.textContent = text;
  page.message.hidden = !text;
}

/** Targets of `level` for `year` (empty when signed out or for levels without targets). */
async function fetchTargets(level, year) {
  if (!signedIn) return [];
  const params = { level };
  if (year) params.year = year;
  return getJSON("/api/allocation-targets", params);
}

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  return {
    level: params.get("level") ?? "commune",
    indicator: params.get("indicator") ?? "rebalancing_need",
    campaign: params.get("campaign"),
  };
}

function writeUrl(state) {
  const params = new URLSearchParams({ level: state.level, indicator: state.indicator });
  if (state.campaign) params.set("campaign", state.campaign);
  window.history.replaceState(null, "", `?${params}`);
}

async function start() {
  setState("loading");
  page.summary.textContent = Q.loading;
  const meta = await fetchMeta();
  page.banner.hidden = !meta.demo;
  page.banner.textContent = STRINGS.demoBanner;
  const map = createMap(page.map, { bounds: toLatLngBounds(meta.bounds) });
  const [communes, epci, qpv] = await Promise.all([fetchCommunes(), fetchEpci(), fetchQpv()]);
  const territory = new Territory(communes, epci);
  const context = { gradeLegend: meta.legend, targets: null };
  const all = indicators(context);

  const state = readUrl();
  page.level.value = state.level;

  function fillIndicators() {
    const offered = Object.entries(all).filter(
      ([, indicator]) => !indicator.needsTargets || (signedIn && TARGET_LEVELS.has(state.level)),
    );
    page.indicator.replaceChildren(
      ...offered.map(([key, indicator]) => new Option(indicator.title, key)),
    );
    if (!offered.some(([key]) => key === state.indicator)) state.indicator = "rebalancing_need";
    page.indicator.value = state.indicator;
  }

  let layer = null;
  let legendControl = null;
  let collection = { features: [] };

  function draw() {
    const indicator = all[state.indicator];
    layer?.remove();
    legendControl?.remove();
    layer = choroplethLayer(collection, indicator, context).addTo(map);
    layer.bringToBack();
    legendControl = createLegend({
      title: indicator.title,
      classes: legendClasses(indicator),
    }).addTo(map);
    legendControl.update(countByClass(collection.features, indicator, context));
    page.help.textContent = indicator.help;
  }

  async function loadQuartiers() {
    setState("loading");
    const params = { level: state.level };
    if (state.campaign) params.campaign = state.campaign;
    collection = await getJSON("/api/quartiers", params);
    view.quartiers = collection.features;
    const needsTargets = all[state.indicator].needsTargets;
    context.targets = needsTargets
      ? new Map((await fetchTargets(state.level)).map((row) => [row.code, row]))
      : null;
    const withResidences = collection.features.filter((f) => f.properties.nb_residences > 0);
    page.summary.textContent = Q.summary(collection.features.length, withResidences.length);
    showMessage(collection.features.length === 0 ? Q.noUnits : "");
    draw();
    setState("ready");
  }

  async function refresh() {
    writeUrl(state);
    try {
      await loadQuartiers();
    } catch (error) {
      showMessage(error.message);
      setState("error");
    }
  }

  page.level.addEventListener("change", () => {
    state.level = page.level.value;
    fillIndicators();
    refresh();
  });
  page.indicator.addEventListener("change", () => {
    state.indicator = page.indicator.value;
    refresh();
  });

  const descriptions = new Map(
    page.peuplementTypes.map((input) => [input.value, input.closest("label").title]),
  );
  const peuplements = new PeuplementLayer(map, descriptions);
  let peuplementsLoaded = false;
  const checkedTypes = () =>
    new Set(page.peuplementTypes.filter((input) => input.checked).map((input) => input.value));

  async function togglePeuplements() {
    if (!page.peuplementToggle.checked) {
      peuplements.group.remove();
      return;
    }
    if (!peuplementsLoaded) {
      page.summary.textContent = Q.peuplementLoading;
      const params = state.campaign ? { campaign: state.campaign } : undefined;
      const residences = await getJSON("/api/peuplements", params);
      const typed = peuplements.setFeatures(residences);
      peuplementsLoaded = true;
      if (typed === 0) showMessage(signedIn ? Q.peuplementNone : Q.peuplementSignIn);
      page.summary.textContent = `${Q.peuplementLayer} : ${formatCount(typed)} résidences`;
    }
    view.peuplements = peuplements.show(checkedTypes());
    peuplements.group.addTo(map);
  }
  page.peuplementToggle.addEventListener("change", () => togglePeuplements().catch(fail));
  for (const input of page.peuplementTypes) {
    input.addEventListener("change", () => {
      view.peuplements = peuplements.show(checkedTypes());
    });
  }

  async function loadTargetsTable() {
    if (!signedIn) {
      page.targetsSummary.textContent = Q.targetsSignIn;
      return;
    }
    const rows = await fetchTargets(page.targetsLevel.value, page.targetsYear.value);
    view.targets = rows;
    page.targetsSummary.textContent = targetsSummary(rows);
    renderTargets(page.targetsTable, rows);
  }
  const reloadTargets = () =>
    loadTargetsTable().catch((error) => {
      page.targetsSummary.textContent = error.message;
    });
  page.targetsLevel.addEventListener("change", reloadTargets);
  page.targetsYear.addEventListener("change", reloadTargets);

  const qpvOverlays = qpvLayers(qpv).map(({ layer: outline, label }) => ({
    layer: outline.addTo(map),
    label,
  }));
  layerControl(map, { territory, tiles: onlineTileLayer(meta), overlays: qpvOverlays });
  fillIndicators();
  writeUrl(state);
  await Promise.all([loadQuartiers(), loadTargetsTable()]);
}

function fail(error) {
  showMessage(error instanceof ApiError ? error.message : String(error));
  setState("error");
}

start().then(settle.resolve, (error) => {
  fail(error);
  settle.reject(error);
});
