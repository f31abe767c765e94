// Polygon outlines by the thousand (the communes of a region) drawn on one canvas from flat arrays
// of projected vertices. As one Leaflet polygon each, the 3,782 communes of the Hauts-de-France
// (175,000 vertices) took a second to build, project and draw on every first load (issue #10).
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";

/** How far, in screen pixels, a simplified outline may stray from the data (Leaflet's
 * `smoothFactor`, 1 by default): at the first view of a region, 40,000 of the 214,000 vertices of
 * its communes and EPCI are drawn. */
const TOLERANCE = 1;
const MAX_LATITUDE = 85.0511287798;

const MERCATOR_SCALE = 0.5 / Math.PI;

/**
 * Write the WGS84 `ring` ([lng, lat]…) into `points` from vertex `start` on, in the pixels of Web
 * Mercator (EPSG:3857, Leaflet's default CRS) at zoom 0: Leaflet's
 * `CRS.EPSG3857.latLngToPoint(latLng, 0)`, without an object per vertex.
 */
function projectRing(ring, points, start) {
  for (let index = 0; index < ring.length; index += 1) {
    const lng = ring[index][0];
    const lat = Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, ring[index][1]));
    const sin = Math.sin((lat * Math.PI) / 180);
    const vertex = 2 * (start + index);
    points[vertex] = 256 * (MERCATOR_SCALE * ((lng * Math.PI) / 180) + 0.5);
    points[vertex + 1] = 256 * (-MERCATOR_SCALE * (Math.log((1 + sin) / (1 - sin)) / 2) + 0.5);
  }
}

/**
 * Douglas–Peucker ranks of the vertices `start`..`end - 1` of `points` (geo/outlines.py ranks the
 * packed outlines the same way): a vertex is kept by a
 * simplification of tolerance t (same unit as the points) when its rank is at least t. The ends
 * are always kept; a rank never exceeds the rank of the vertex that split its segment.
 */
function rankVertices(points, ranks, start, end) {
  ranks[start] = Infinity;
  ranks[end - 1] = Infinity;
  const stack = [start, end - 1, Infinity];
  while (stack.length > 0) {
    const ceiling = stack.pop();
    const last = stack.pop();
    const first = stack.pop();
    if (last - first < 2) continue;
    const ax = points[2 * first];
    const ay = points[2 * first + 1];
    const dx = points[2 * last] - ax;
    const dy = points[2 * last + 1] - ay;
    const length2 = dx * dx + dy * dy;
    let farthest = first + 1;
    let distance2 = -1;
    for (let vertex = first + 1; vertex < last; vertex += 1) {
      let px = points[2 * vertex] - ax;
      let py = points[2 * vertex + 1] - ay;
      if (length2 > 0) {
        const t = Math.max(0, Math.min(1, (px * dx + py * dy) / length2));
        px -= t * dx;
        py -= t * dy;
      }
      const d2 = px * px + py * py;
      if (d2 > distance2) {
        distance2 = d2;
        farthest = vertex;
      }
    }
    const rank = Math.min(ceiling, Math.sqrt(distance2));
    ranks[farthest] = rank;
    stack.push(first, farthest, rank, farthest, last, rank);
  }
}

function polygonsOf(geometry) {
  if (geometry?.type === "Polygon") return [geometry.coordinates];
  if (geometry?.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

/** Levels of rank per zoom (geo/outlines.py): a vertex of level L has a rank of at least
 * 2^(-L / LEVELS_PER_ZOOM) pixel of zoom 0, so it is drawn from zoom L / LEVELS_PER_ZOOM on. */
const LEVELS_PER_ZOOM = 8;
/** The level of a vertex of rank 0: never drawn. */
const NEVER = 255;

/** Douglas–Peucker ranks as the levels of geo/outlines.py (`rank_levels`). */
function rankLevels(ranks) {
  const levels = new Uint8Array(ranks.length);
  for (let vertex = 0; vertex < ranks.length; vertex += 1) {
    const rank = ranks[vertex];
    const level = Math.floor(-LEVELS_PER_ZOOM * Math.log2(rank));
    levels[vertex] = rank === 0 ? NEVER : Math.min(NEVER - 1, Math.max(0, level));
  }
  return levels;
}

/**
 * Polygon outlines flattened for a Web Mercator map: `points` holds every vertex in pixels at
 * zoom 0 counted from `origin` (x, y, x, y…) and `levels` its Douglas–Peucker rank as a level,
 * `ringEnds` the end of each ring in them, `featureRings` the first ring of each feature (and,
 * last, the number of rings), `boxes` each feature's box (from `origin` too); `index` finds a
 * feature by its code (`codes[i]` is feature i's). Levels and boxes are computed unless given.
 */
export class Outlines {
  constructor({ points, ringEnds, featureRings, codes, levels, boxes, origin = [0, 0] }) {
    this.points = points;
    this.ringEnds = ringEnds;
    this.featureRings = featureRings;
    this.origin = origin;
    this.levels = levels ?? this.rank();
    this.boxes = boxes ?? this.box();
    this.index = new Map();
    codes.forEach((code, feature) => {
      if (code !== undefined && code !== null) this.index.set(String(code), feature);
    });
  }

  /** The levels of the Douglas–Peucker ranks of every ring. */
  rank() {
    const ranks = new Float32Array(this.points.length / 2);
    for (let ring = 0; ring < this.ringEnds.length; ring += 1) {
      const start = ring === 0 ? 0 : this.ringEnds[ring - 1];
      if (this.ringEnds[ring] > start) rankVertices(this.points, ranks, start, this.ringEnds[ring]);
    }
    return rankLevels(ranks);
  }

  /** The box of each feature, [+∞, +∞, −∞, −∞] without vertices. */
  box() {
    const { points, ringEnds, featureRings } = this;
    const boxes = new Float64Array(4 * this.length);
    for (let feature = 0; feature < this.length; feature += 1) {
      let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
      const first = featureRings[feature] === 0 ? 0 : ringEnds[featureRings[feature] - 1];
      const last = featureRings[feature + 1] === 0 ? 0 : ringEnds[featureRings[feature + 1] - 1];
      for (let index = 2 * first; index < 2 * last; index += 2) {
        minX = Math.min(minX, points[index]);
        minY = Math.min(minY, points[index + 1]);
        maxX = Math.max(maxX, points[index]);
        maxY = Math.max(maxY, points[index + 1]);
      }
      boxes.set([minX, minY, maxX, maxY], 4 * feature);
    }
    return boxes;
  }

  /** The (Multi)Polygon features of a GeoJSON collection (WGS84), by their `code` property. */
  static fromGeoJSON(collection) {
    const features = collection.features;
    let vertexCount = 0;
    let ringCount = 0;
    for (const feature of features) {
      for (const polygon of polygonsOf(feature.geometry)) {
        ringCount += polygon.length;
        for (const ring of polygon) vertexCount += ring.length;
      }
    }
    const points = new Float64Array(2 * vertexCount);
    const ringEnds = new Uint32Array(ringCount);
    const featureRings = new Uint32Array(features.length + 1);
    let vertex = 0;
    let ringIndex = 0;
    features.forEach((feature, featureIndex) => {
      featureRings[featureIndex] = ringIndex;
      for (const polygon of polygonsOf(feature.geometry)) {
        for (const ring of polygon) {
          projectRing(ring, points, vertex);
          vertex += ring.length;
          ringEnds[ringIndex] = vertex;
          ringIndex += 1;
        }
      }
    });
    featureRings[features.length] = ringIndex;
    const codes = features.map((feature) => feature.properties?.code);
    return new Outlines({ points, ringEnds, featureRings, codes });
  }

  get length() {
    return this.featureRings.length - 1;
  }

  /** The index of the feature whose `code` is `code`, or undefined. */
  find(code) {
    return code ? this.index.get(String(code)) : undefined;
  }

  /** The Leaflet bounds of feature `featureIndex`, or of every feature; null when empty. */
  bounds(featureIndex = undefined) {
    const [first, last] =
      featureIndex === undefined ? [0, this.length] : [featureIndex, featureIndex + 1];
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = first; i < last; i += 1) {
      if (!(this.boxes[4 * i] <= this.boxes[4 * i + 2])) continue;
      minX = Math.min(minX, this.boxes[4 * i]);
      minY = Math.min(minY, this.boxes[4 * i + 1]);
      maxX = Math.max(maxX, this.boxes[4 * i + 2]);
      maxY = Math.max(maxY, this.boxes[4 * i + 3]);
    }
    if (!(minX <= maxX)) return null;
    const [x0, y0] = this.origin;
    const corner = (x, y) => L.CRS.EPSG3857.pointToLatLng(L.point(x0 + x, y0 + y), 0);
    return L.latLngBounds(corner(minX, maxY), corner(maxX, minY));
  }

  /** Add the rings of the features from `first` to `last` (excluded) that meet `view` (a box in
   * zoom-0 pixels) to `path` (a `Path2D`, or the path of a canvas context), at `scale` times
   * zoom 0, shifted by `-shift`, simplified to `TOLERANCE` screen pixels. */
  trace(path, { first = 0, last = this.length, view, scale, shift }) {
    const { points, levels, ringEnds, featureRings, boxes } = this;
    const [x0, y0] = this.origin;
    const limit = Math.floor(LEVELS_PER_ZOOM * Math.log2(scale / TOLERANCE) + 1e-9);
    const [dx, dy] = [shift.x - x0 * scale, shift.y - y0 * scale];
    const [minX, minY, maxX, maxY] = [view[0] - x0, view[1] - y0, view[2] - x0, view[3] - y0];
    for (let feature = first; feature < last; feature += 1) {
      const box = 4 * feature;
      if (
        boxes[box] > maxX ||
        boxes[box + 2] < minX ||
        boxes[box + 1] > maxY ||
        boxes[box + 3] < minY
      ) {
        continue;
      }
      for (let ring = featureRings[feature]; ring < featureRings[feature + 1]; ring += 1) {
        const start = ring === 0 ? 0 : ringEnds[ring - 1];
        const end = ringEnds[ring];
        if (end - start < 2) continue;
        path.moveTo(points[2 * start] * scale - dx, points[2 * start + 1] * scale - dy);
        for (let vertex = start + 1; vertex < end; vertex += 1) {
          if (levels[vertex] > limit) continue;
          const at = 2 * vertex;
          path.lineTo(points[at] * scale - dx, points[at + 1] * scale - dy);
        }
        path.closePath();
      }
    }
  }
}

/**
 * The groups of outlines packed by the server (`/api/outlines`, format in geo/outlines.py), by
 * name: vertices already in pixels of zoom 0 with their Douglas–Peucker levels, read as typed
 * arrays over the bytes, without a loop over them.
 */
export function unpackOutlines(buffer) {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  let offset = 4 + headerLength;
  const take = (Type, count) => {
    const array = new Type(buffer, offset, count);
    offset += Math.ceil((count * Type.BYTES_PER_ELEMENT) / 4) * 4;
    return array;
  };
  const groups = {};
  for (const { name, codes, rings, vertices, origin } of header.groups) {
    const featureRings = take(Uint32Array, codes.length + 1);
    const ringEnds = take(Uint32Array, rings);
    const boxes = take(Float32Array, 4 * codes.length);
    const points = take(Float32Array, 2 * vertices);
    const levels = take(Uint8Array, vertices);
    groups[name] = new Outlines({ points, ringEnds, featureRings, codes, levels, boxes, origin });
  }
  return groups;
}

/** Features traced into one path: Chromium builds a path of thousands of rings in a time that
 * grows faster than their number (150 ms for the 3,800 rings of a region's communes, 7 ms in
 * paths of 32 features). */
const FEATURES_PER_PATH = 32;

/** Leaflet's path style options this layer reads. */
const DEFAULT_STYLE = {
  stroke: true,
  color: "#3388ff",
  weight: 3,
  opacity: 1,
  fill: true,
  fillColor: null,
  fillOpacity: 0.2,
};

/**
 * A non-interactive layer drawing groups of `Outlines` on one canvas, in order, each with
 * Leaflet's path style (`color`, `weight`, `fill`, `fillColor`, `fillOpacity`…); `highlight`
 * draws one feature of a group again on top, in its own style. Redrawn when the map moves; the
 * zoom animation is Leaflet's renderer's.
 */
export const OutlineLayer = L.Renderer.extend({
  initialize(groups, options) {
    L.Renderer.prototype.initialize.call(this, options);
    this.groups = groups.map(({ outlines, style }) => ({
      outlines,
      style: { ...DEFAULT_STYLE, ...style },
    }));
    this.highlighted = null;
  },

  /** Merge `style` into the style of group `index` (in the order given), and redraw. */
  restyle(index, style) {
    Object.assign(this.groups[index].style, style);
    this.redraw();
  },

  /** Draw feature `featureIndex` of `outlines` again on top in `style`; null clears it. */
  highlight(outlines = null, featureIndex = null, style = {}) {
    this.highlighted =
      outlines && featureIndex !== null && featureIndex !== undefined
        ? { outlines, featureIndex, style: { ...DEFAULT_STYLE, fill: false, ...style } }
        : null;
    this.redraw();
  },

  redraw() {
    if (this._map && this._bounds) this._draw();
    return this;
  },

  _initContainer() {
    this._container = document.createElement("canvas");
    this._ctx = this._container.getContext("2d");
  },

  _destroyContainer() {
    this._container.remove();
    delete this._ctx;
    delete this._container;
  },

  _update() {
    if (this._map._animatingZoom && this._bounds) return;
    L.Renderer.prototype._update.call(this);
    const size = this._bounds.getSize();
    const ratio = window.devicePixelRatio || 1;
    const canvas = this._container;
    L.DomUtil.setPosition(canvas, this._bounds.min);
    canvas.width = Math.round(ratio * size.x);
    canvas.height = Math.round(ratio * size.y);
    canvas.style.width = `${size.x}px`;
    canvas.style.height = `${size.y}px`;
    this._draw();
    this.fire("update");
  },

  _draw() {
    const map = this._map;
    const context = this._ctx;
    const ratio = window.devicePixelRatio || 1;
    const { crs } = map.options;
    const scale = crs.scale(map.getZoom()) / crs.scale(0);
    const shift = map.getPixelOrigin().add(this._bounds.min);
    const size = this._bounds.getSize();
    const [right, bottom] = [shift.x + size.x, shift.y + size.y];
    const view = [shift.x / scale, shift.y / scale, right / scale, bottom / scale];
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.x, size.y);
    context.lineCap = "round";
    context.lineJoin = "round";
    const layers = this.groups.map(({ outlines, style }) => ({ outlines, style, range: {} }));
    if (this.highlighted) {
      const { outlines, featureIndex, style } = this.highlighted;
      layers.push({ outlines, style, range: { first: featureIndex, last: featureIndex + 1 } });
    }
    for (const { outlines, style, range } of layers) {
      const paths = [];
      const [first, last] = [range.first ?? 0, range.last ?? outlines.length];
      for (let start = first; start < last; start += FEATURES_PER_PATH) {
        const path = new Path2D();
        const end = Math.min(last, start + FEATURES_PER_PATH);
        outlines.trace(path, { first: start, last: end, view, scale, shift });
        paths.push(path);
      }
      if (style.fill && style.fillOpacity > 0) {
        context.globalAlpha = style.fillOpacity;
        context.fillStyle = style.fillColor ?? style.color;
        for (const path of paths) context.fill(path, "evenodd");
      }
      if (style.stroke && style.weight > 0 && style.opacity > 0) {
        context.globalAlpha = style.opacity;
        context.strokeStyle = style.color;
        context.lineWidth = style.weight;
        for (const path of paths) context.stroke(path);
      }
    }
    context.globalAlpha = 1;
  },
});
