// The map page: base map, QPV, residences by grade, legend and filters kept in the URL.
import { STRINGS } from "./i18n.js";
import { fetchCommunes, fetchEpci, fetchMeta, fetchQpv, fetchResidences } from "./data/api.js";
import { filterKeys, filtersToParams, readFilters } from "./data/filters.js";
import { countByGrade } from "./data/stats.js";
import { legend as createLegend, gradeLegendOptions } from "./rendering/legend.js";
import {
  Territory,
  createMap,
  layerControl,
  onlineTileLayer,
  toLatLngBounds,
} from "./rendering/map.js";
import { qpvLayers } from "./rendering/qpv.js";
import { ResidenceLayer } from "./rendering/residences.js";
import { FiltersPanel } from "./ui/filters.js";
import { deferred } from "./ui/deferred.js";
import { disclosure } from "./ui/disclosure.js";

const page = {
  map: document.getElementById("map"),
  filters: document.getElementById("filters"),
  filtersToggle: document.getElementById("filters-toggle"),
  summary: document.getElementById("summary"),
  message: document.getElementById("message"),
  banner: document.getElementById("demo-banner"),
  gradesNote: document.getElementById("grades-note"),
};

/** What the page shows, for the handlers and the test hook. */
const view = { map: null, residences: null, qpvCount: 0 };

const settle = deferred();
const ready = settle.promise;

/** A small hook for browser tests and the console, so that nobody has to sniff pixels. */
window.qualiparc = {
  ready,
  state: () => document.body.dataset.state,
  map: () => view.map,
  residenceCount: () => view.residences?.count ?? 0,
  residences: () => view.residences?.properties() ?? [],
  qpvCount: () => view.qpvCount,
  /** Opens the popup of residence `code` and returns its text, or null if it is not shown. */
  openPopup: (code) => view.residences?.openPopup(code)?.textContent ?? null,
};

function setState(state) {
  document.body.dataset.state = state;
}

function showError(error) {
  page.message.textContent = error.message;
  page.message.hidden = false;
  setState("error");
}

function clearError() {
  page.message.textContent = "";
  page.message.hidden = true;
}

async function start() {
  setState("loading");
  page.summary.textContent = STRINGS.loading;
  const meta = await fetchMeta();
  page.banner.textContent = STRINGS.demoBanner;
  page.banner.hidden = !meta.demo;

  const gradeKeys = filterKeys(meta.legend);
  const dataBounds = toLatLngBounds(meta.bounds);
  const map = createMap(page.map, { bounds: dataBounds });
  const residences = new ResidenceLayer(map, meta.legend, {
    hiddenReason: meta.account ? STRINGS.hiddenOutOfReach : STRINGS.hiddenSignIn,
  });
  page.gradesNote.hidden = Boolean(meta.account);
  const legend = createLegend(gradeLegendOptions(meta.legend, meta.qpv_sources)).addTo(map);
  view.map = map;
  view.residences = residences;
  let territory = null;
  let controller = null;

  /** Fetch and draw the residences of `filters`, aborting the request of older ones. */
  async function load(filters) {
    controller?.abort();
    controller = new AbortController();
    const collection =
      filters.grades.length === 0
        ? { features: [] }
        : await fetchResidences(filtersToParams(filters, gradeKeys), {
            signal: controller.signal,
          });
    residences.setFeatures(collection.features);
    const stats = countByGrade(collection.features);
    legend.update(stats);
    page.summary.textContent =
      filters.grades.length === 0
        ? STRINGS.noGradeSelected
        : STRINGS.summary(stats.residences, stats.dwellings);
  }

  /** Outline the EPCI or commune filtered and fit the map to it (else to the data). */
  function focus(filters) {
    const bounds = territory?.select(filters) ?? residences.bounds() ?? dataBounds;
    if (bounds) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }

  let shown = null;

  async function onFilterChange(filters) {
    const moved = filters.epci !== shown.epci || filters.commune !== shown.commune;
    shown = filters;
    const query = filtersToParams(filters, gradeKeys).toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
    setState("loading");
    page.summary.textContent = STRINGS.loadingResidences;
    try {
      await load(filters);
    } catch (error) {
      if (error.name !== "AbortError") showError(error);
      return;
    }
    clearError();
    if (moved) focus(filters);
    setState("ready");
  }

  const panel = new FiltersPanel(
    page.filters,
    meta,
    readFilters(window.location.search, gradeKeys),
    onFilterChange,
  );
  page.filters.inert = true;
  disclosure(page.filtersToggle, page.filters, { phoneOnly: true });
  shown = panel.value;
  const [communes, epci, qpv] = await Promise.all([
    fetchCommunes(),
    fetchEpci(),
    fetchQpv(),
    load(shown),
  ]);
  territory = new Territory(communes, epci);
  const qpvs = qpvLayers(qpv);
  view.qpvCount = qpv.features.length;
  layerControl(map, {
    territory,
    tiles: onlineTileLayer(meta),
    overlays: qpvs.map(({ layer, label }) => ({ layer: layer.addTo(map), label })),
  });
  if (shown.epci || shown.commune) focus(shown);
  page.filters.inert = false;
  setState("ready");
}

start().then(settle.resolve, (error) => {
  showError(error);
  settle.reject(error);
});
