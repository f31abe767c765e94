// The elected officials' view: their territory's residences (fragile ones first), QPV, legend,
// and print/export links that follow the map's view. Read-only.
import { fetchCommunes, fetchEpci, fetchQpv, fetchResidences } from "../data/api.js";
import { countByGrade } from "../data/stats.js";
import { legend as createLegend, gradeLegendOptions } from "../rendering/legend.js";
import { Territory, createMap, layerControl, toLatLngBounds } from "../rendering/map.js";
import { qpvLayers } from "../rendering/qpv.js";
import { FragileLayer } from "./fragile.js";
import { deferred } from "../ui/deferred.js";

const LAYER_RESIDENCES = "Résidences (fragiles en évidence)";
const PNG_SIDE = { min: 200, max: 4000 };

const config = JSON.parse(document.getElementById("elu-config").textContent);
const page = {
  map: document.getElementById("map"),
  message: document.getElementById("message"),
  png: document.getElementById("export-png"),
};
const view = { map: null, residences: null, qpvCount: 0 };

const settle = deferred();
const ready = settle.promise;

/** A small hook for browser tests and the console. */
window.qualiparcElu = {
  ready,
  state: () => document.body.dataset.state,
  territory: () => config.territory,
  map: () => view.map,
  residenceCodes: () => view.residences?.codes() ?? [],
  fragileCount: () => view.residences?.fragileCount() ?? 0,
  qpvCount: () => view.qpvCount,
};

function setState(state) {
  document.body.dataset.state = state;
}

/** The QPV touching the territory's communes. */
function territoryQpv(collection, communeCodes) {
  const features = collection.features.filter((feature) =>
    (feature.properties.communes ?? []).some((code) => communeCodes.has(code)),
  );
  return { type: "FeatureCollection", features };
}

/** Keep the PNG link on the map's current view and size. */
function followView(map) {
  const update = () => {
    const url = new URL(page.png.href, window.location.href);
    const size = map.getSize();
    const clamp = (value) => Math.min(PNG_SIDE.max, Math.max(PNG_SIDE.min, Math.round(value)));
    url.searchParams.set("bbox", map.getBounds().toBBoxString());
    url.searchParams.set("width", clamp(size.x));
    url.searchParams.set("height", clamp(size.y));
    page.png.href = `${url.pathname}${url.search}`;
  };
  map.on("moveend", update);
  update();
}

async function start() {
  setState("loading");
  const { territory } = config;
  const map = createMap(page.map, { bounds: toLatLngBounds(config.bounds) });
  view.map = map;
  const [residences, communes, epci, qpv] = await Promise.all([
    fetchResidences(new URLSearchParams(config.filters)),
    fetchCommunes(territory.epci),
    fetchEpci(),
    fetchQpv(),
  ]);
  const ownEpci = {
    type: "FeatureCollection",
    features: epci.features.filter((feature) => feature.properties.code === territory.epci),
  };
  const base = new Territory(communes, ownEpci);
  const communeCodes = new Set(
    territory.kind === "commune"
      ? [territory.code]
      : communes.features.map((feature) => feature.properties.code),
  );
  const qpvs = qpvLayers(territoryQpv(qpv, communeCodes));
  view.qpvCount = qpvs.reduce((count, { layer }) => count + layer.getLayers().length, 0);
  const layer = new FragileLayer(map, config.legend);
  layer.setFeatures(residences.features);
  view.residences = layer;
  layerControl(map, {
    territory: base,
    overlays: [
      ...qpvs.map(({ layer: qpvLayer, label }) => ({ layer: qpvLayer.addTo(map), label })),
      { layer: layer.group.addTo(map), label: LAYER_RESIDENCES },
    ],
  });
  base.select({ [territory.kind]: territory.code });
  createLegend(gradeLegendOptions(config.legend, qpvs.map(({ source }) => source)))
    .addTo(map)
    .update(countByGrade(residences.features));
  followView(map);
  setState("ready");
}

start().then(settle.resolve, (error) => {
  page.message.textContent = error.message;
  page.message.hidden = false;
  setState("error");
  settle.reject(error);
});
