// The map's filters as plain values, and their query-string form (shared by the URL and the API).

/** The filter key of a grade: "1".."4", or "none" for a residence without a grade shown. */
export function gradeKey(grade) {
  return grade === null || grade === undefined ? "none" : String(grade);
}

/**
 * The legend class of a grade and its status (`grade_status` of a residence, `status` of a
 * legend entry): "1".."4" when visible, "hidden" when it exists but the caller may not read it,
 * "none" when there is no agreed grade.
 */
export function classKey(grade, status) {
  return status === "hidden" ? "hidden" : gradeKey(grade);
}

/** The legend class of a residence (its GeoJSON properties). */
export const residenceClass = (properties) => classKey(properties.grade, properties.grade_status);

/** The legend class of an entry of the server's legend. */
export const entryClass = (entry) => classKey(entry.grade, entry.status);

/** The grade filter keys of the server's legend ("1".."4", "hidden", "none"): the `grade`
 * parameter of the API selects each class. */
export function filterKeys(legend) {
  return legend.map(entryClass);
}

/** Filters showing everything; `gradeKeys` lists every class of the legend. */
export function emptyFilters(gradeKeys) {
  return { epci: "", commune: "", bailleur: "", grades: [...gradeKeys], inQpv: "" };
}

/**
 * Read filters from a query string ("?epci=…&grade=1&grade=none&in_qpv=true").
 * A bare `grade=` means no class at all; no `grade` means every class.
 */
export function readFilters(search, gradeKeys) {
  const params = new URLSearchParams(search);
  const filters = emptyFilters(gradeKeys);
  for (const name of ["epci", "commune", "bailleur"]) {
    filters[name] = params.get(name) ?? "";
  }
  if (params.has("grade")) {
    const asked = new Set(params.getAll("grade").flatMap((value) => value.split(",")));
    filters.grades = gradeKeys.filter((key) => asked.has(key));
  }
  const inQpv = params.get("in_qpv");
  filters.inQpv = inQpv === "true" || inQpv === "false" ? inQpv : "";
  return filters;
}

/** The query params of `filters`, leaving out what does not filter. */
export function filtersToParams(filters, gradeKeys) {
  const params = new URLSearchParams();
  for (const name of ["epci", "commune", "bailleur"]) {
    if (filters[name]) params.set(name, filters[name]);
  }
  if (filters.grades.length === 0) {
    params.set("grade", "");
  } else if (filters.grades.length < gradeKeys.length) {
    for (const key of filters.grades) params.append("grade", key);
  }
  if (filters.inQpv) params.set("in_qpv", filters.inQpv);
  return params;
}
