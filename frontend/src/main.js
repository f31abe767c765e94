// The map page: base map, QPV, residences by grade, legend and filters kept in the URL.
import { STRINGS } from "./i18n.js";
import { fetchMeta, fetchPackedOutlines, fetchQpv, fetchResidences, getJSON } from "./data/api.js";
import { filterKeys, filtersToParams, readFilters } from "./data/filters.js";
import { countByGrade } from "./data/stats.js";
import { fetchSelectionStats, statsOfCells } from "./data/tiles.js";
import { legend as createLegend, gradeLegendOptions } from "./rendering/legend.js";
import {
  Territory,
  createMap,
  layerControl,
  onlineTileLayer,
  toLatLngBounds,
} from "./rendering/map.js";
import { unpackOutlines } from "./rendering/outlines.js";
import { qpvLayers } from "./rendering/qpv.js";
import { ResidenceLayer } from "./rendering/residences.js";
import { TiledResidences } from "./rendering/tiles.js";
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

/** What the page shows, for the handlers and the test hook; `mode` is "geojson" (one layer of
 * every residence) or "tiles" (vector tiles, residences gathered below zoom 13). */
const view = { map: null, residences: null, tiled: null, qpvCount: 0, mode: "geojson" };

/** `?tuiles=oui` or `?tuiles=non` forces a mode; otherwise the size of the selection decides. */
const TILES_PARAM = "tuiles";
const forcedMode = new URLSearchParams(window.location.search).get(TILES_PARAM);

const settle = deferred();
const ready = settle.promise;

/** A small hook for browser tests and the console, so that nobody has to sniff pixels. */
window.qualiparc = {
  ready,
  state: () => document.body.dataset.state,
  map: () => view.map,
  residenceCount: () => view.residences?.count ?? 0,
  mode: () => view.mode,
  /** Properties of the cells of residences drawn from the tiles (tiles mode, below zoom 13). */
  cells: () => view.tiled?.cellProperties() ?? [],
  residences: () => view.residences?.properties() ?? [],
  qpvCount: () => view.qpvCount,
  /** Opens the popup of residence `code` and returns its text, or null if it is not shown. */
  openPopup: (code) => view.residences?.openPopup(code)?.textContent ?? null,
  /** The same, awaiting the residence's details (tiles mode asks the API for them). */
  openPopupAsync: async (code) => (await view.residences?.openPopup(code))?.textContent ?? null,
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
  // The outlines and the QPV do not depend on /api/meta: asked for with it, not after it.
  const outlines = fetchPackedOutlines();
  const qpvCollection = fetchQpv();
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
  const tiled = new TiledResidences(map, residences, { onError: showError });
  view.tiled = tiled;
  const details = async (code) =>
    (await getJSON(`/api/residences/${encodeURIComponent(code)}`)).properties;
  let territory = null;
  let controller = null;

  /**
   * The tiles in view and the counts of the selection `params`, when it is drawn from tiles.
   * The counts come from the cells in view when these hold every residence (a view of all the
   * data, as on arrival); otherwise from the tile of zoom 0, asked at the same time.
   */
  async function tilesAndStats(params, signal) {
    const whole = !tiled.viewHolds(dataBounds);
    const [fetched, stats] = await Promise.all([
      tiled.fetchView(params, { signal }),
      whole ? fetchSelectionStats(params, { signal }) : null,
    ]);
    return { fetched, stats: stats ?? statsOfCells(fetched.features) };
  }

  /** Whether `params` are drawn from tiles (with what `tilesAndStats` gives then): forced by
   * `?tuiles=`, else above the threshold of `/api/meta`, the selection counted by its tiles
   * only when the whole stock exceeds it. */
  async function chooseMode(params, signal) {
    if (forcedMode === "non") return { tiles: false };
    if (forcedMode !== "oui" && meta.residence_count <= meta.tile_mode_threshold) {
      return { tiles: false };
    }
    const { fetched, stats } = await tilesAndStats(params, signal);
    const tiles = forcedMode === "oui" || stats.residences > meta.tile_mode_threshold;
    return { tiles, fetched, stats };
  }

  /** Fetch and draw the residences of `filters`, aborting the request of older ones. */
  async function load(filters) {
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    let stats;
    if (filters.grades.length === 0) {
      tiled.hide();
      residences.setFeatures([]);
      stats = countByGrade([]);
    } else {
      const params = filtersToParams(filters, gradeKeys);
      const choice = await chooseMode(params, signal);
      if (choice.tiles) {
        stats = choice.stats;
        residences.details = details;
        view.mode = "tiles";
        await tiled.show(params, choice.fetched);
      } else {
        const collection = await fetchResidences(params, { signal });
        tiled.hide();
        residences.details = null;
        view.mode = "geojson";
        residences.setFeatures(collection.features);
        stats = countByGrade(collection.features);
      }
    }
    legend.update(stats);
    const summary =
      filters.grades.length === 0
        ? STRINGS.noGradeSelected
        : STRINGS.summary(stats.residences, stats.dwellings);
    page.summary.textContent = view.mode === "tiles" ? `${summary} — ${STRINGS.tileMode}` : summary;
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
    const params = filtersToParams(filters, gradeKeys);
    if (forcedMode) params.set(TILES_PARAM, forcedMode);
    const query = params.toString();
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
  const residencesLoaded = load(shown);
  // The base map is drawn as soon as its outlines come, while the residences are on their way.
  const base = outlines.then((buffer) => {
    const { communes, epci } = unpackOutlines(buffer);
    territory = new Territory(communes, epci, { land: "epci" }); // every commune, every EPCI
    territory.layer.addTo(map);
  });
  const [qpv] = await Promise.all([qpvCollection, base, residencesLoaded]);
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
  // The whole lists of the filters, left out of the first load, once the browser has time.
  const idle = window.requestIdleCallback ?? ((callback) => setTimeout(callback, 0));
  idle(() => panel.completeLists(), { timeout: 2000 });
}

start().then(settle.resolve, (error) => {
  showError(error);
  settle.reject(error);
});
