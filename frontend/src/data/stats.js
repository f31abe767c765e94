// Counts of residences and dwellings per grade class, for the legend and the summary line.
import { gradeKey } from "./filters.js";

/** `{byGrade: Map(key → {residences, dwellings}), residences, dwellings}` of GeoJSON features. */
export function countByGrade(features) {
  const byGrade = new Map();
  let dwellings = 0;
  for (const { properties } of features) {
    const key = gradeKey(properties.grade);
    const entry = byGrade.get(key) ?? { residences: 0, dwellings: 0 };
    entry.residences += 1;
    entry.dwellings += properties.nb_logements ?? 0;
    byGrade.set(key, entry);
    dwellings += properties.nb_logements ?? 0;
  }
  return { byGrade, residences: features.length, dwellings };
}
