// The quartier choropleth: indicators, their explained classes, the layer and its popup.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { Q, formatCount, formatGrade, formatShare } from "./strings.js";
import { asText } from "../ui/text.js";

const SECRET = {
  key: "secret",
  label: "Secret statistique (chiffre masqué)",
  colour: "#bdbdbd",
};
const NO_DATA = { key: "none", label: "Sans donnée (aucune résidence notée)", colour: "#f0f0f0" };

function byThresholds(value, thresholds) {
  if (value === null || value === undefined) return NO_DATA.key;
  const index = thresholds.findIndex((limit) => value < limit);
  return String(index === -1 ? thresholds.length : index);
}

/**
 * The indicators of the choropleth. `classes` come most worrying first; `classify(properties,
 * context)` returns a class key. `context.gradeLegend` holds the server's grade legend and
 * `context.targets` the allocation targets by code (signed-in only).
 */
export function indicators({ gradeLegend }) {
  const gradeColour = (grade) => gradeLegend.find((entry) => entry.grade === grade)?.colour;
  const gradeLabel = (grade) => gradeLegend.find((entry) => entry.grade === grade)?.label;
  return {
    rebalancing_need: {
      title: Q.need,
      help:
        "Points selon la note moyenne, la part de logements fragiles comparée à celle de " +
        "l'EPCI et la part de logements en QPV (voir « Comment lire ces indicateurs »).",
      classes: [
        { key: "2", label: "Fort (2 points ou plus)", colour: "#de2d26" },
        { key: "1", label: "Modéré (1 point)", colour: "#fc9272" },
        { key: "0", label: "Faible (aucun point)", colour: "#fee0d2" },
      ],
      classify: (p) => (p.rebalancing_need === null ? NO_DATA.key : String(p.rebalancing_need)),
    },
    mean_grade: {
      title: Q.meanGrade,
      help:
        "Moyenne des notes partagées pondérée par les logements (par résidence sous le secret " +
        "statistique) ; classes de 0,75 point.",
      classes: [
        { key: "0", label: `moins de 1,75 · ${gradeLabel(1)}`, colour: gradeColour(1) },
        { key: "1", label: `1,75 à 2,49 · ${gradeLabel(2)}`, colour: gradeColour(2) },
        { key: "2", label: `2,50 à 3,24 · ${gradeLabel(3)}`, colour: gradeColour(3) },
        { key: "3", label: `3,25 et plus · ${gradeLabel(4)}`, colour: gradeColour(4) },
      ],
      classify: (p) => byThresholds(p.mean_grade, [1.75, 2.5, 3.25]),
    },
    fragile_share: {
      title: Q.fragileShare,
      help:
        "Part des logements notés qui sont dans une résidence notée 1 ou 2 (part des résidences " +
        "notées sous le secret statistique).",
      classes: [
        { key: "3", label: "50 % et plus", colour: "#b30000" },
        { key: "2", label: "30 à 50 %", colour: "#e34a33" },
        { key: "1", label: "15 à 30 %", colour: "#fc8d59" },
        { key: "0", label: "moins de 15 %", colour: "#fdcc8a" },
      ],
      classify: (p) => byThresholds(p.fragile_share, [0.15, 0.3, 0.5]),
    },
    unqualified_share: {
      title: Q.unqualifiedShare,
      help: "Part des logements sans note partagée : non notés, ou notes divergentes à harmoniser.",
      classes: [
        { key: "3", label: "60 % et plus", colour: "#08519c" },
        { key: "2", label: "30 à 60 %", colour: "#3182bd" },
        { key: "1", label: "10 à 30 %", colour: "#9ecae1" },
        { key: "0", label: "moins de 10 %", colour: "#deebf7" },
      ],
      classify: (p) => byThresholds(p.unqualified_share, [0.1, 0.3, 0.6]),
    },
    target_outside: targetIndicator(
      "Objectif hors QPV (1er quartile ou PRU)",
      "under_target_outside",
      "allocations_outside_qpv",
      "missing_outside",
    ),
    target_inside: targetIndicator(
      "Objectif en QPV (hors 1er quartile)",
      "under_target_inside",
      "allocations_inside_qpv",
      "missing_inside",
    ),
  };
}

function targetIndicator(title, underKey, allocationsKey, missingKey) {
  return {
    title,
    help: "Attributions de la dernière année importée, au taux de la CIA de l'EPCI.",
    needsTargets: true,
    classes: [
      { key: "under", label: "Sous l'objectif", colour: "#d7191c" },
      { key: "reached", label: "Objectif atteint", colour: "#a6d96a" },
    ],
    classify: (p, { targets }) => {
      const row = targets?.get(p.code);
      if (!row || row[allocationsKey] === 0) return "no-allocation";
      return row[underKey] ? "under" : "reached";
    },
    extraClasses: [{ key: "no-allocation", label: "Pas d'attribution", colour: "#f0f0f0" }],
    describe: (row) =>
      row && row[underKey] ? `${formatCount(row[missingKey])} attributions manquantes` : null,
  };
}

/** Every class of `indicator` shown in its legend, no-data and secret included. */
export function legendClasses(indicator) {
  if (indicator.needsTargets) return [...indicator.classes, ...indicator.extraClasses];
  return [...indicator.classes, NO_DATA, SECRET];
}

/** The class key of a quartier for `indicator` (secret first: nothing else is known; a figure
 * missing although residences are graded is one the statistical secret hides). */
export function classOf(indicator, properties, context) {
  if (indicator.needsTargets) return indicator.classify(properties, context);
  if (properties.secret) return SECRET.key;
  const key = indicator.classify(properties, context);
  return key === NO_DATA.key && properties.nb_residences_graded > 0 ? SECRET.key : key;
}

/** `{byGrade, residences, dwellings}` per class, the shape the shared legend expects. */
export function countByClass(features, indicator, context) {
  const byGrade = new Map();
  let residences = 0;
  let dwellings = 0;
  for (const { properties } of features) {
    const key = classOf(indicator, properties, context);
    const entry = byGrade.get(key) ?? { residences: 0, dwellings: 0 };
    entry.residences += properties.nb_residences;
    entry.dwellings += properties.nb_logements;
    byGrade.set(key, entry);
    residences += properties.nb_residences;
    dwellings += properties.nb_logements;
  }
  return { byGrade, residences, dwellings };
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The popup of a quartier unit, built with DOM nodes (names never become HTML). */
export function quartierPopup(p, indicator, context) {
  const root = element("article", undefined, "quartier-popup residence-popup");
  root.dataset.code = p.code;
  root.append(element("h2", p.name, "residence-popup__name"));
  const facts = element("dl", undefined, "residence-popup__facts");
  const row = (term, value) => facts.append(element("dt", term), element("dd", value));
  row(Q.levelNames[p.level] ?? p.level, p.code);
  row(Q.residences, formatCount(p.nb_residences));
  row(Q.dwellings, formatCount(p.nb_logements));
  const labels = p.basis === "résidences" ? { ...Q, ...Q.byResidence } : Q;
  row(Q.unqualifiedShare, formatShare(p.unqualified_share));
  if (!p.secret) {
    row(labels.meanGrade, formatGrade(p.mean_grade));
    row(labels.fragileShare, formatShare(p.fragile_share));
    if (p.grade_distribution && p.nb_residences > 0) {
      const parts = Object.entries(p.grade_distribution).map(
        ([grade, count]) => `${grade} : ${count === null ? Q.hidden : formatCount(count)}`,
      );
      row(labels.distribution, parts.join(" · "));
    }
    row(Q.need, p.rebalancing_label ?? "–");
  }
  root.append(facts);
  if (p.secret) root.append(element("p", Q.secret));
  else if (p.basis === "résidences" && p.nb_residences_graded > 0) {
    root.append(element("p", Q.countedInResidences));
  }
  if (!p.secret && p.rebalancing_reasons?.length) {
    const list = element("ul");
    for (const reason of p.rebalancing_reasons) list.append(element("li", reason));
    root.append(list);
  }
  const targetNote = indicator.describe?.(context.targets?.get(p.code));
  if (targetNote) root.append(element("p", `${indicator.title} : ${targetNote}`));
  return root;
}

/** The choropleth layer of `collection` coloured by `indicator`. */
export function choroplethLayer(collection, indicator, context) {
  const colours = new Map(legendClasses(indicator).map((c) => [c.key, c.colour]));
  return L.geoJSON(collection, {
    style: (feature) => ({
      color: "#4d4d4d",
      weight: feature.properties.level === "qpv" ? 1.5 : 0.8,
      fillColor: colours.get(classOf(indicator, feature.properties, context)),
      fillOpacity: 0.72,
    }),
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(asText(feature.properties.name), { sticky: true });
      layer.bindPopup(() => quartierPopup(feature.properties, indicator, context), {
        maxWidth: 380,
        minWidth: 260,
      });
    },
  });
}
