// The map factory and its base layers: commune and EPCI outlines (offline), optional online tiles.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { STRINGS } from "../i18n.js";
import { PHONE, foldControl } from "../ui/disclosure.js";
import { OutlineLayer, Outlines } from "./outlines.js";

/** The Hauts-de-France region, the view when the server gives no data bounds. */
export const HAUTS_DE_FRANCE = L.latLngBounds([48.83, 1.38], [51.09, 4.26]);

const TERRITORY_PANE = "territory";
const LAND_STYLE = { stroke: false, fillColor: "#fbfaf6", fillOpacity: 1 };
const COMMUNE_STYLE = { color: "#9a9a9a", weight: 0.6, fill: false };
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

/** `Outlines` as they are, a GeoJSON collection as `Outlines`. */
const outlinesOf = (source) => (source instanceof Outlines ? source : Outlines.fromGeoJSON(source));

/** The group of `Territory`'s layer that fills the land. */
const LAND = 0;

/**
 * The offline base map: the land filled light, commune outlines (thin) under EPCI outlines
 * (thicker), drawn on one canvas in the `territory` pane. `layer` goes on the map; `select`
 * outlines the EPCI or commune filtered. Each is given as `Outlines` or as a GeoJSON collection.
 * The land is the communes given, filled one by one, or, with `land: "epci"`, the EPCI outlines
 * (the unions of their communes) when these cover the communes given and no more: filling the
 * 3,800 communes of a region one by one took 45 of the 75 ms of each redraw of the map page.
 */
export class Territory {
  constructor(communes, epci, { land = "communes" } = {}) {
    this.communes = outlinesOf(communes);
    this.epci = outlinesOf(epci);
    this.layer = new OutlineLayer(
      [
        { outlines: land === "epci" ? this.epci : this.communes, style: LAND_STYLE },
        { outlines: this.communes, style: COMMUNE_STYLE },
        { outlines: this.epci, style: EPCI_STYLE },
      ],
      { pane: TERRITORY_PANE },
    );
  }

  /** Outline the commune (else the EPCI) of `filters`; returns its bounds, or null. */
  select({ epci = "", commune = "" }) {
    const [outlines, found] =
      this.communes.find(commune) !== undefined
        ? [this.communes, this.communes.find(commune)]
        : [this.epci, this.epci.find(epci)];
    if (found === undefined) {
      this.layer.highlight(null);
      return null;
    }
    this.layer.highlight(outlines, found, SELECTED_STYLE);
    return outlines.bounds(found);
  }

  /** Fill the land (the default), or let what lies under it show through. */
  fillLand(filled) {
    this.layer.restyle(LAND, { fillOpacity: filled ? LAND_STYLE.fillOpacity : 0 });
  }

  /** The bounds of every EPCI outline, or null when there are none. */
  epciBounds() {
    return this.epci.bounds();
  }
}

/** The online tile layer of `/api/meta`, or null when the server configures none. */
export function onlineTileLayer(meta) {
  if (!meta.tile_url) return null;
  return L.tileLayer(meta.tile_url, { attribution: meta.tile_attribution, maxZoom: 19 });
}

/**
 * Leaflet's switcher, open from the start, caps the height of its list by the map's as it opens:
 * reading where it stands forced a layout of the page being built (~25 ms on the first load).
 * It opens at once and measures in the next frame, when the page is laid out anyway.
 */
const LayersControl = L.Control.Layers.extend({
  _expandIfNotCollapsed() {
    if (this._map && !this.options.collapsed) {
      L.DomUtil.addClass(this._container, "leaflet-control-layers-expanded");
      cancelAnimationFrame(this._measure);
      this._measure = requestAnimationFrame(() => {
        if (this._map) this.expand();
      });
    }
    return this;
  },
});

/**
 * The layer switcher, open so a projected map shows what is drawn (folded behind a button on a
 * phone). The online tiles are offered unchecked; while they show, the land's fill turns
 * transparent to let them through.
 */
export function layerControl(map, { territory, tiles = null, overlays = [] }) {
  const control = new LayersControl(null, null, { collapsed: false, position: "topright" });
  if (tiles) {
    control.addOverlay(tiles, STRINGS.layerOnline);
    tiles.on("add", () => territory.fillLand(false));
    tiles.on("remove", () => territory.fillLand(true));
  }
  control.addOverlay(territory.layer.addTo(map), STRINGS.layerTerritory);
  for (const { layer, label } of overlays) control.addOverlay(layer, label);
  control.addTo(map);
  const container = control.getContainer();
  foldControl(container, container.querySelector(".leaflet-control-layers-list"), STRINGS.layersFold);
  return control;
}
