// Counts of residences and dwellings per legend class, for the legend and the summary line.
import { residenceClass } from "./filters.js";

/**
 * `{byGrade: Map(class → {residences, dwellings}), residences, dwellings}` of GeoJSON features;
 * the classes are those of `residenceClass` ("1".."4", "hidden", "none").
 */
export function countByGrade(features) {
  const byGrade = new Map();
  let dwellings = 0;
  for (const { properties } of features) {
    const key = residenceClass(properties);
    const entry = byGrade.get(key) ?? { residences: 0, dwellings: 0 };
    entry.residences += 1;
    entry.dwellings += properties.nb_logements ?? 0;
    byGrade.set(key, entry);
    dwellings += properties.nb_logements ?? 0;
  }
  return { byGrade, residences: features.length, dwellings };
}
