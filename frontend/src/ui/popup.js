// The popup of a residence, built with DOM nodes (text only: names never become HTML).
import { STRINGS, countOf } from "../i18n.js";
import { gradeKey } from "../data/filters.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function row(list, term, value) {
  list.append(element("dt", null, term), element("dd", null, value));
}

/** Where the residence stands with respect to the QPV, in one sentence. */
export function qpvSituation(properties) {
  if (properties.qpv_code) return STRINGS.insideQpv(properties.qpv_name, properties.qpv_code);
  if (properties.distance_qpv_m === null || properties.distance_qpv_m === undefined) {
    return STRINGS.noQpvDistance;
  }
  const distance = STRINGS.distanceToQpv(Math.round(properties.distance_qpv_m));
  return properties.near_qpv_300m ? `${distance}, ${STRINGS.band300m}` : distance;
}

/** The popup content of a residence; `legendByKey` maps grade keys to legend entries. */
export function residencePopup(properties, legendByKey, { gradesHidden = false } = {}) {
  const root = element("article", "residence-popup");
  root.dataset.code = properties.code;
  root.append(element("h2", "residence-popup__name", properties.name));

  const facts = element("dl", "residence-popup__facts");
  row(facts, STRINGS.popupCode, properties.code);
  row(facts, STRINGS.popupBailleur, properties.bailleur);
  row(facts, STRINGS.popupCommune, properties.commune_name);
  root.append(facts);

  root.append(
    element(
      "p",
      "residence-popup__dwellings",
      countOf(properties.nb_logements, STRINGS.dwelling, STRINGS.dwellings),
    ),
  );

  const entry = legendByKey.get(gradeKey(properties.grade));
  const grade = element("p", "residence-popup__grade");
  const swatch = element("span", "swatch");
  swatch.style.backgroundColor = entry?.colour ?? "transparent";
  const fallback = gradesHidden ? STRINGS.gradeHidden : STRINGS.ungraded;
  const label = properties.grade_label || (gradesHidden ? null : entry?.label) || fallback;
  const ungraded = gradeKey(properties.grade) === "none";
  const text = ungraded ? label : `${STRINGS.popupGrade} ${properties.grade} — ${label}`;
  grade.append(swatch, element("span", null, text));
  root.append(grade);

  root.append(element("p", "residence-popup__qpv", qpvSituation(properties)));
  if (properties.is_demo) root.append(element("p", "residence-popup__demo", STRINGS.demoData));
  return root;
}
