// The French strings of the commission page.
import { countOf, formatInteger } from "../i18n.js";

export const C = {
  loading: "Chargement des logements vacants…",
  allCommunes: "Toutes les communes",
  summary: (residences, dwellings, category) =>
    `${countOf(residences, "résidence", "résidences")}, ${countOf(dwellings, "logement vacant", "logements vacants")}` +
    (category ? ` · classées pour : ${category}` : ""),
  none: "Aucun logement vacant déclaré dans ce périmètre.",
  vacant: (n, day) => `${countOf(n, "logement vacant", "logements vacants")} depuis le ${day}`,
  rank: (n) => `n° ${formatInteger(n)}`,
  gradeUnknown: "note non visible",
  noGrade: "non qualifiée",
  facts: {
    commune: "Commune",
    bailleur: "Bailleur",
    dwellings: "Logements",
    vacancy: "Vacance",
    qpv: "Situation",
    grade: "Note partagée",
    peuplement: "Peuplement cible",
    rebalancing: "Besoin de rééquilibrage",
  },
  noVacancy: "aucun logement vacant déclaré",
  insideQpv: (label, name) => `${label} (${name})`,
  historyTitle: "Historique des notes partagées",
  historyColumns: ["Campagne", "Phase", "Note partagée"],
  harmonised: " · harmonisée en réunion",
  eventsTitle: "Historique détaillé (saisies et harmonisations)",
  eventsNone: "Aucune saisie lisible.",
  orientationTitle: "Catégories de demandeurs",
  orientationColumns: ["Catégorie", "Orientation", "Pourquoi"],
  effectsTitle: (year) => `Effet d'une attribution sur les taux de ${year}`,
  effectsHelp:
    "Hors QPV, au moins 25 % des attributions vont au premier quartile ou aux relogements du renouvellement urbain ; en QPV, au moins 50 % aux autres quartiles (taux de la CIA s'ils diffèrent). « Il en manque » : attributions de l'année qui auraient dû aller à ces ménages pour atteindre le taux.",
  unit: (level, name) => `${level} ${name}`,
  ciaRate: (rate) => ` (taux de la CIA : ${rate})`,
  decisionsTitle: "Attributions décidées",
  decisionsNone: "Aucune attribution enregistrée.",
  decision: (d) =>
    `${d.decided_on_label} : ${d.category_label}${d.priority ? " · DALO ou prioritaire" : ""} (${d.recorded_by})`,
  cancel: "Annuler",
  cancelLabel: (d) => `Annuler l'attribution du ${d.decided_on_label}`,
  decisionForm: "Enregistrer une attribution",
  quartile: "Situation du ménage",
  quartiles: {
    q1: "Premier quartile",
    pru: "Relogement du renouvellement urbain (hors premier quartile)",
    other: "Autres quartiles",
  },
  priority: "Ménage DALO ou prioritaire",
  decidedOn: "Date de la décision",
  record: "Enregistrer l'attribution",
  recorded: "Attribution enregistrée : elle compte dans les chiffres de l'année.",
  cancelled: "Attribution annulée.",
  vacancyForm: "Logements vacants",
  vacancyCount: "Nombre de logements vacants (0 : plus aucun)",
  vacancyDate: "Date de la vacance",
  saveVacancy: "Enregistrer la vacance",
  vacancySaved: "Vacance enregistrée.",
  readOnly: "Lecture seule : les élus et les lecteurs consultent la commission sans rien y saisir.",
  importDone: (s) =>
    `Import réussi : ${countOf(s.declared, "résidence", "résidences")} avec ${countOf(s.dwellings, "logement vacant", "logements vacants")}, ${countOf(s.cleared, "résidence retirée", "résidences retirées")}.`,
  reportTitle: "Lignes refusées",
  reportColumns: ["Ligne", "Colonne", "Valeur", "Motif"],
  filtersShow: "Critères",
  demo: " (données de démonstration)",
};

const dateFormat = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric" });

/** "2026-03-01" → "1 mars 2026". */
export function frenchDate(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return dateFormat.format(new Date(year, month - 1, day));
}
