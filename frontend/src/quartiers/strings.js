// French strings and number formats of the quartiers page.
import { formatInteger } from "../i18n.js";

const percentFormat = new Intl.NumberFormat("fr-FR", {
  style: "percent",
  maximumFractionDigits: 1,
});
const decimalFormat = new Intl.NumberFormat("fr-FR", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** 0.253 → "25,3 %"; null → "–". */
export function formatShare(value) {
  return value === null || value === undefined ? "–" : percentFormat.format(value);
}

/** 2.4167 → "2,42"; null → "–". */
export function formatGrade(value) {
  return value === null || value === undefined ? "–" : decimalFormat.format(value);
}

export function formatCount(value) {
  return value === null || value === undefined ? "–" : formatInteger(value);
}

export const Q = {
  loading: "Chargement des quartiers…",
  summary: (units, withResidences) =>
    `${formatInteger(units)} quartiers, dont ${formatInteger(withResidences)} avec des résidences`,
  noUnits:
    "Aucun agrégat visible : les chiffres d'une campagne ne sont publics qu'une fois publiés " +
    "par l'EPCI. Connectez-vous pour voir ceux de votre territoire.",

  residences: "Résidences",
  dwellings: "Logements",
  meanGrade: "Note moyenne (pondérée par les logements)",
  fragileShare: "Logements en résidence fragile (notes 1–2)",
  unqualifiedShare: "Logements sans note partagée",
  distribution: "Logements par note",
  byResidence: {
    meanGrade: "Note moyenne des résidences",
    fragileShare: "Résidences fragiles (notes 1–2)",
    distribution: "Résidences par note",
  },
  countedInResidences:
    "Secret statistique : chiffres comptés en résidences, certains masqués pour qu'aucune " +
    "note ne se déduise.",
  need: "Besoin de rééquilibrage",
  secret:
    "Secret statistique : chiffres tirés des notes masqués (trop peu de résidences notées, " +
    "chiffres d'un voisin à protéger, ou campagne pas encore clôturée).",
  hidden: "masqué",
  levelNames: { qpv: "QPV", iris: "IRIS", commune: "Commune", epci: "EPCI" },

  peuplementLayer: "Peuplements cibles",
  peuplementLoading: "Chargement des peuplements cibles…",
  peuplementNone:
    "Aucune résidence de votre périmètre n'a de peuplement cible (notes partagées absentes).",
  peuplementSignIn: "Connectez-vous pour voir les peuplements cibles.",
  location: "Situation",
  ungraded: "Sans note partagée : pas de peuplement cible",

  targetsSignIn: "Connectez-vous pour voir les objectifs d'attribution de votre territoire.",
  targetsNone: "Aucune attribution importée pour cette année.",
  targetsSummary: (year, unitsOutside, missingOutside, unitsInside, missingInside) =>
    `${year} : ${formatInteger(unitsOutside)} sous l'objectif hors QPV ` +
    `(${formatInteger(missingOutside)} attributions manquantes au 1er quartile ou PRU), ` +
    `${formatInteger(unitsInside)} sous l'objectif en QPV ` +
    `(${formatInteger(missingInside)} attributions manquantes hors 1er quartile).`,
  targetsColumns: [
    "Nom",
    "Hors QPV : attributions",
    "dont 1er quartile ou PRU",
    "objectif",
    "manque",
    "En QPV : attributions",
    "dont hors 1er quartile",
    "objectif",
    "manque",
  ],
  underTarget: "sous l'objectif",
};
