// The map factory and its base layers: commune and EPCI outlines (offline), optional online tiles.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { STRINGS } from "../i18n.js";
import { PHONE, foldControl } from "../ui/disclosure.js";

/** The Hauts-de-France region, the view when the server gives no data bounds. */
export const HAUTS_DE_FRANCE = L.latLngBounds([48.83, 1.38], [51.09, 4.26]);

const TERRITORY_PANE = "territory";
const COMMUNE_STYLE = { color: "#9a9a9a", weight: 0.6, fillColor: "#fbfaf6", fillOpacity: 1 };
const EPCI_STYLE = { color: "#4a4a4a", weight: 2, fill: false };
const SELECTED_STYLE = { color: "#111827", weight: 4 };

/** `[minLon, minLat, maxLon, maxLat]` (GeoJSON order) → Leaflet bounds, or null. */
export function toLatLngBounds(bbox) {
  if (!bbox) return null;
  const [minLon, minLat, maxLon, maxLat] = bbox;
  return L.latLngBounds([minLat, minLon], [maxLat, maxLon]);
}

/**
 * A Leaflet map drawing vectors on canvas (smooth with tens of thousands of points), fitted to
 * `bounds`; its `territory` pane, under the overlays, holds non-interactive outlines.
 */
export function createMap(element, { bounds = null } = {}) {
  const map = L.map(element, {
    preferCanvas: true,
    renderer: L.canvas({ tolerance: PHONE.matches ? 10 : 4 }),
    zoomSnap: 0.25,
    minZoom: 6,
    maxZoom: 18,
  });
  const pane = map.createPane(TERRITORY_PANE);
  pane.style.zIndex = 350;
  pane.style.pointerEvents = "none";
  map.fitBounds(bounds ?? HAUTS_DE_FRANCE, { padding: [16, 16] });
  return map;
}

function indexByCode(geoJsonLayer) {
  const index = new Map();
  geoJsonLayer.eachLayer((layer) => index.set(layer.feature.properties.code, layer));
  return index;
}

/**
 * The offline base map: commune outlines (thin, light fill) under EPCI outlines (thicker), in
 * the `territory` pane. `layer` goes on the map; `select` outlines the EPCI or commune filtered.
 */
export class Territory {
  constructor(communeCollection, epciCollection) {
    const renderer = L.canvas({ pane: TERRITORY_PANE });
    const options = { pane: TERRITORY_PANE, renderer, interactive: false };
    this.communes = L.geoJSON(communeCollection, { ...options, style: COMMUNE_STYLE });
    this.epci = L.geoJSON(epciCollection, { ...options, style: EPCI_STYLE });
    this.layer = L.featureGroup([this.communes, this.epci]);
    this.communeByCode = indexByCode(this.communes);
    this.epciByCode = indexByCode(this.epci);
    this.selected = null;
  }

  /** Outline the commune (else the EPCI) of `filters`; returns its bounds, or null. */
  select({ epci = "", commune = "" }) {
    if (this.selected) {
      const { outline, style } = this.selected;
      outline.setStyle({ color: style.color, weight: style.weight });
    }
    const outline = this.communeByCode.get(commune) ?? this.epciByCode.get(epci);
    if (!outline) {
      this.selected = null;
      return null;
    }
    const style = this.communeByCode.has(commune) ? COMMUNE_STYLE : EPCI_STYLE;
    this.selected = { outline, style };
    outline.setStyle(SELECTED_STYLE);
    outline.bringToFront();
    return outline.getBounds();
  }
}

/** The online tile layer of `/api/meta`, or null when the server configures none. */
export function onlineTileLayer(meta) {
  if (!meta.tile_url) return null;
  return L.tileLayer(meta.tile_url, { attribution: meta.tile_attribution, maxZoom: 19 });
}

/**
 * The layer switcher, open so a projected map shows what is drawn (folded behind a button on a
 * phone). The online tiles are offered unchecked; while they show, commune fills turn
 * transparent to let them through.
 */
export function layerControl(map, { territory, tiles = null, overlays = [] }) {
  const control = L.control.layers(null, null, { collapsed: false, position: "topright" });
  if (tiles) {
    control.addOverlay(tiles, STRINGS.layerOnline);
    tiles.on("add", () => territory.communes.setStyle({ fillOpacity: 0 }));
    tiles.on("remove", () => territory.communes.setStyle({ fillOpacity: 1 }));
  }
  control.addOverlay(territory.layer.addTo(map), STRINGS.layerTerritory);
  for (const { layer, label } of overlays) control.addOverlay(layer, label);
  control.addTo(map);
  const container = control.getContainer();
  foldControl(container, container.querySelector(".leaflet-control-layers-list"), STRINGS.layersFold);
  return control;
}
