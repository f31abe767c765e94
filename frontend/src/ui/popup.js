// The popup of a residence, built with DOM nodes (text only: names never become HTML).
import { STRINGS, countOf } from "../i18n.js";
import { residenceClass } from "../data/filters.js";
import { paintSwatch } from "../rendering/legend.js";

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

/** What the popup says of the grade: its value and label, or the label of its status. */
function gradeText(properties, entry, hiddenReason) {
  if (properties.grade_status === "hidden") return `${entry.label} : ${hiddenReason}`;
  if (properties.grade === null || properties.grade === undefined) return entry.label;
  return `${STRINGS.popupGrade} ${properties.grade} — ${properties.grade_label || entry.label}`;
}

/**
 * The popup content of a residence; `legendByKey` maps legend classes to the server's legend
 * entries; `hiddenReason` says why a hidden grade is not shown (default: for a signed-in account).
 */
export function residencePopup(
  properties,
  legendByKey,
  { hiddenReason = STRINGS.hiddenOutOfReach } = {},
) {
  const root = element("article", "residence-popup");
  root.dataset.code = properties.code;
  root.append(element("h2", "residence-popup__name", properties.name));

  const facts = element("dl", "residence-popup__facts");
  row(facts, STRINGS.popupCode, properties.code);
  row(facts, STRINGS.popupBailleur, properties.bailleur);
  if (properties.address) row(facts, STRINGS.popupAddress, properties.address);
  row(facts, STRINGS.popupCommune, properties.commune_name);
  if (properties.iris_code) {
    row(facts, STRINGS.popupIris, STRINGS.irisOf(properties.iris_name, properties.iris_code));
  }
  root.append(facts);

  root.append(
    element(
      "p",
      "residence-popup__dwellings",
      countOf(properties.nb_logements, STRINGS.dwelling, STRINGS.dwellings),
    ),
  );

  const entry = legendByKey.get(residenceClass(properties));
  const grade = element("p", "residence-popup__grade");
  grade.dataset.grade = residenceClass(properties);
  grade.append(
    paintSwatch(element("span", "swatch"), entry),
    element("span", null, gradeText(properties, entry, hiddenReason)),
  );
  root.append(grade);

  root.append(element("p", "residence-popup__qpv", qpvSituation(properties)));
  if (properties.is_demo) root.append(element("p", "residence-popup__demo", STRINGS.demoData));
  return root;
}
