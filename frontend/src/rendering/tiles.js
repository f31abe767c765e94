// Residences drawn from vector tiles, for selections too large for one GeoJSON layer: below zoom 13,
// cells of residences as buttons (Tab to reach one, Enter to zoom on it) showing their count; from
// zoom 13 on, one canvas marker per residence, drawn by the residence layer.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { CLUSTER_MAXZOOM, MAX_ZOOM, fetchTile } from "../data/tiles.js";
import { STRINGS, formatInteger } from "../i18n.js";

const TILE_SIZE = 256;
/** Tiles drawn at most: a 4K screen shows about 60; the tiles past it are not drawn. */
const MAX_TILES = 100;
/** Zoom levels a click on a cell moves in. */
const ZOOM_STEP = 2;

/** A cell of residences: a round button with its count, its size growing with it. */
function cellMarker(feature, map) {
  const [lon, lat] = feature.geometry.coordinates;
  const { residences, dwellings } = feature.properties;
  const size = Math.round(24 + 6 * Math.log10(Math.max(1, residences)));
  const label = STRINGS.cellLabel(residences, dwellings);
  const html = document.createElement("span");
  html.textContent = formatInteger(residences);
  const icon = L.divIcon({ className: "residence-cell", html, iconSize: [size, size] });
  const marker = L.marker([lat, lon], { icon, title: label, keyboard: true, riseOnHover: true });
  marker.properties = feature.properties;
  marker.on("add", () => {
    const element = marker.getElement();
    element.setAttribute("role", "button");
    element.setAttribute("aria-label", label);
  });
  const open = () =>
    map.setView([lat, lon], Math.min(CLUSTER_MAXZOOM, Math.floor(map.getZoom()) + ZOOM_STEP));
  marker.on("click", open);
  marker.on("keypress", (event) => {
    if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") open();
  });
  return marker;
}

/**
 * The residences of a selection drawn from the tiles of the view, redrawn when the map moves.
 * `points` is the page's `ResidenceLayer`; `onError` receives a failure of a redraw.
 */
export class TiledResidences {
  constructor(map, points, { onError = () => {} } = {}) {
    this.map = map;
    this.points = points;
    this.onError = onError;
    this.cells = L.layerGroup().addTo(map);
    this.params = null;
    this.active = false;
    this.controller = null;
    this.onMove = () => this.refresh().catch((error) => this.onError(error));
  }

  /** Draw the selection of `params` (URLSearchParams) from the tiles, and follow the map;
   * `fetched` (from `fetchView` with the same `params`) spares asking the tiles again when the
   * map has not moved since. */
  show(params, fetched = null) {
    this.params = params;
    if (!this.active) this.map.on("moveend", this.onMove);
    this.active = true;
    if (fetched && fetched.key === this.viewKey()) {
      this.controller?.abort();
      this.draw(fetched);
      return Promise.resolve();
    }
    return this.refresh();
  }

  /** Stop drawing from tiles (the GeoJSON layer takes over). */
  hide() {
    if (this.active) this.map.off("moveend", this.onMove);
    this.active = false;
    this.controller?.abort();
    this.cells.clearLayers();
  }

  get zoom() {
    return Math.max(0, Math.min(MAX_ZOOM, Math.floor(this.map.getZoom())));
  }

  /** [x, y] of the tiles of zoom `z` in view. */
  tilesInView(z) {
    const bounds = this.map.getBounds();
    const corner = (latLng) => this.map.project(latLng, z).divideBy(TILE_SIZE).floor();
    const [min, max] = [corner(bounds.getNorthWest()), corner(bounds.getSouthEast())];
    const last = 2 ** z - 1;
    const tiles = [];
    for (let x = Math.max(0, min.x); x <= Math.min(last, max.x); x += 1) {
      for (let y = Math.max(0, min.y); y <= Math.min(last, max.y); y += 1) tiles.push([x, y]);
    }
    return tiles.slice(0, MAX_TILES);
  }

  /** What identifies the tiles in view: their zoom and numbers. */
  viewKey() {
    const z = this.zoom;
    return `${z}:${this.tilesInView(z).join(";")}`;
  }

  /** The tiles in view for `params`: `{z, key, features}`. */
  async fetchView(params, { signal } = {}) {
    const z = this.zoom;
    const tiles = this.tilesInView(z);
    const found = await Promise.all(
      tiles.map(([x, y]) => fetchTile("residences", z, x, y, params, { signal })),
    );
    return { z, key: `${z}:${tiles.join(";")}`, features: found.flat() };
  }

  /**
   * Whether the cells of the tiles in view hold every residence within `bounds` (Leaflet
   * bounds, e.g. those of all the residences): each residence lies in exactly one tile of a
   * zoom (app/tiles.py), so these cells then count the whole selection.
   */
  viewHolds(bounds) {
    const z = this.zoom;
    if (!bounds || z >= CLUSTER_MAXZOOM) return false;
    const asked = new Set(this.tilesInView(z).map(([x, y]) => `${x},${y}`));
    const at = (latLng, nudge) =>
      this.map.project(latLng, z).divideBy(TILE_SIZE).add([nudge, nudge]).floor();
    const [min, max] = [at(bounds.getNorthWest(), -1e-6), at(bounds.getSouthEast(), 1e-6)];
    for (let x = min.x; x <= max.x; x += 1) {
      for (let y = min.y; y <= max.y; y += 1) if (!asked.has(`${x},${y}`)) return false;
    }
    return true;
  }

  /** Draw the features of `fetchView`. */
  draw({ z, features }) {
    this.cells.clearLayers();
    if (z < CLUSTER_MAXZOOM) {
      this.points.setFeatures([]);
      for (const feature of features) this.cells.addLayer(cellMarker(feature, this.map));
    } else {
      this.points.setFeatures(features);
    }
  }

  async refresh() {
    if (!this.active) return;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    let fetched;
    try {
      fetched = await this.fetchView(this.params, { signal: controller.signal });
    } catch (error) {
      if (error.name === "AbortError") return;
      throw error;
    }
    if (controller.signal.aborted) return;
    this.draw(fetched);
  }

  /** The properties of the cells drawn. */
  cellProperties() {
    return this.cells.getLayers().map((marker) => marker.properties);
  }
}
