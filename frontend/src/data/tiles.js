// Vector tiles of the residences (`/tiles/residences/{z}/{x}/{y}.pbf`): fetched with the map's
// filters, decoded (Mapbox Vector Tile) into GeoJSON features, and the counts of a selection.
import { PbfReader } from "/static/vendor/pbf/index.js";
import { VectorTile } from "/static/vendor/vector-tile/index.js";
import { getBytes } from "./api.js";

/** Below this zoom the tiles hold cells of residences, from it on one point per residence
 * (`CLUSTER_MAXZOOM` of app/tiles.py). */
export const CLUSTER_MAXZOOM = 13;
export const MAX_ZOOM = 22;

/** The legend class of each count a cell carries ("1".."4", "hidden", "none" → its property). */
export const CELL_CLASSES = {
  1: "grade_1",
  2: "grade_2",
  3: "grade_3",
  4: "grade_4",
  hidden: "hidden",
  none: "none",
};

/** The features of tile `z/x/y` of `layer` for the filters `params` (URLSearchParams), in WGS84;
 * an empty tile (204) has none. */
export async function fetchTile(layer, z, x, y, params, { signal } = {}) {
  const query = params.toString();
  const url = `/tiles/${layer}/${z}/${x}/${y}.pbf${query ? `?${query}` : ""}`;
  const bytes = await getBytes(url, { signal });
  if (bytes.byteLength === 0) return []; // an empty tile (204)
  const tile = new VectorTile(new PbfReader(new Uint8Array(bytes)));
  const found = tile.layers[layer];
  const features = [];
  for (let index = 0; index < (found?.length ?? 0); index += 1) {
    features.push(found.feature(index).toGeoJSON(x, y, z));
  }
  return features;
}

/** `countByGrade`'s figures (`data/stats.js`) from cells of residences. */
export function statsOfCells(features) {
  const byGrade = new Map();
  let residences = 0;
  let dwellings = 0;
  for (const { properties } of features) {
    residences += properties.residences ?? 0;
    dwellings += properties.dwellings ?? 0;
    for (const [key, name] of Object.entries(CELL_CLASSES)) {
      if (!properties[name]) continue;
      const entry = byGrade.get(key) ?? { residences: 0, dwellings: 0 };
      entry.residences += properties[name];
      entry.dwellings += properties[`${name}_dwellings`] ?? 0;
      byGrade.set(key, entry);
    }
  }
  return { byGrade, residences, dwellings };
}

/** The counts of the whole selection of `params`: the tile of zoom 0 holds every residence. */
export async function fetchSelectionStats(params, options) {
  return statsOfCells(await fetchTile("residences", 0, 0, 0, params, options));
}
