// Residences drawn from vector tiles, for selections too large for one GeoJSON layer: below zoom 13,
// cells of residences as buttons (Tab to reach one, Enter or Space to zoom on it) showing their count; from
// zoom 13 on, one canvas marker per residence, drawn by the residence layer.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { CLUSTER_MAXZOOM, MAX_ZOOM, fetchTile } from "../data/tiles.js";
import { STRINGS, formatInteger } from "../i18n.js";

const TILE_SIZE = 256;
/** Tiles drawn at most: a 4K screen shows about 60; the tiles past it are not drawn. */
const MAX_TILES = 100;
/** Zoom levels a click on a cell moves in. */
const ZOOM_STEP = 2;

/**
 * The cells of residences as round buttons showing their count, their size growing with it:
 * one element each in the marker pane, placed from the map's pixel origin, one listener for all
 * (Leaflet's markers, with their own listeners and events, took ~50 ms for the ~230 cells of a
 * first load). Tab reaches a cell; a click, Enter or Space zooms on it.
 */
const CellLayer = L.Layer.extend({
  initialize() {
    this.features = [];
    this.elements = [];
  },

  onAdd() {
    // Hidden while the zoom animates (they are placed again at its end).
    const classes = "residence-cells leaflet-zoom-hide";
    this.container = L.DomUtil.create("div", classes, this.getPane("markerPane"));
    L.DomEvent.disableClickPropagation(this.container);
    L.DomEvent.on(this.container, "click", this.onClick, this);
    L.DomEvent.on(this.container, "keydown", this.onKey, this);
    this.render();
  },

  onRemove() {
    L.DomUtil.remove(this.container);
    this.container = null;
    this.elements = [];
  },

  getEvents() {
    return { zoom: this.place, viewreset: this.place };
  },

  /** Show the cells of `features` (tile features of cells), in place of those shown. */
  setFeatures(features) {
    this.features = features;
    if (this.container) this.render();
  },

  render() {
    this.elements = this.features.map((feature) => {
      const { residences, dwellings } = feature.properties;
      const size = Math.round(24 + 6 * Math.log10(Math.max(1, residences)));
      const element = document.createElement("div");
      element.className = "leaflet-marker-icon residence-cell leaflet-interactive";
      element.tabIndex = 0;
      element.setAttribute("role", "button");
      element.setAttribute("aria-label", STRINGS.cellLabel(residences, dwellings));
      element.title = element.getAttribute("aria-label");
      element.style.cssText =
        `width:${size}px;height:${size}px;margin-left:${-size / 2}px;margin-top:${-size / 2}px`;
      const count = document.createElement("span");
      count.textContent = formatInteger(residences);
      element.append(count);
      return element;
    });
    this.place();
    this.container.replaceChildren(...this.elements);
  },

  /** Put each cell at its point for the map's zoom and pixel origin, the southern ones on top
   * (as Leaflet stacks its markers). */
  place() {
    if (!this.container) return;
    this.features.forEach((feature, index) => {
      const [lon, lat] = feature.geometry.coordinates;
      const point = this._map.latLngToLayerPoint([lat, lon]).round();
      L.DomUtil.setPosition(this.elements[index], point);
      this.elements[index].style.zIndex = point.y;
    });
  },

  featureOf(event) {
    const element = event.target.closest?.(".residence-cell");
    const index = element ? this.elements.indexOf(element) : -1;
    return index < 0 ? null : this.features[index];
  },

  open(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const map = this._map;
    map.setView([lat, lon], Math.min(CLUSTER_MAXZOOM, Math.floor(map.getZoom()) + ZOOM_STEP));
  },

  onClick(event) {
    const feature = this.featureOf(event);
    if (feature) this.open(feature);
  },

  onKey(event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    const feature = this.featureOf(event);
    if (!feature) return;
    event.preventDefault();
    this.open(feature);
  },
});

/**
 * The residences of a selection drawn from the tiles of the view, redrawn when the map moves.
 * `points` is the page's `ResidenceLayer`; `onError` receives a failure of a redraw.
 */
export class TiledResidences {
  constructor(map, points, { onError = () => {} } = {}) {
    this.map = map;
    this.points = points;
    this.onError = onError;
    this.cells = new CellLayer().addTo(map);
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
    this.cells.setFeatures([]);
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
    if (z < CLUSTER_MAXZOOM) {
      this.points.setFeatures([]);
      this.cells.setFeatures(features);
    } else {
      this.cells.setFeatures([]);
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
    return this.cells.features.map((feature) => feature.properties);
  }
}
