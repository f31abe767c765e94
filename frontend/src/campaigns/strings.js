// The French strings of the campaign pages (sign-in, dashboard, grading map, upload).
import { countOf, formatInteger } from "../i18n.js";

const percentFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

/** 76.7 → "76,7 %"; null → "–". */
export function formatPercent(value) {
  return value === null || value === undefined ? "–" : `${percentFormat.format(value)} %`;
}

export const SIDE_LABELS = { commune: "Commune", bailleur: "Bailleur" };

export const TREND_LABELS = {
  improved: "En amélioration",
  stable: "Stable",
  worsened: "En dégradation",
  new: "Nouvelle note",
};

export const TREND_COLOURS = {
  improved: "#1a9641",
  stable: "#6b7280",
  worsened: "#d7191c",
  new: "#7b3294",
};

export const CAMPAIGN_STRINGS = {
  signInFailed: "Connexion impossible.",
  signingIn: "Connexion…",

  loading: "Chargement…",
  noCampaign: "Aucune campagne visible pour votre compte.",
  campaignSelect: "Campagne",
  phases: "Phases de la campagne",
  nextPhase: (label) => `Passer à la phase « ${label} »`,
  confirmNextPhase: (label) =>
    `Passer la campagne en phase « ${label} » ? Ce changement ne peut pas être annulé.`,
  linkGrading: "Saisir les notes sur la carte",
  linkUpload: "Importer un tableau de notes",
  linkMeeting: "Réunion d'harmonisation",

  figureResidences: "Résidences",
  figureDwellings: "Logements",
  figureGradedBoth: "Notées par les deux côtés",
  figureGradedOne: "Notées par un seul côté",
  figureCoverage: "Couverture (logements notés des deux côtés)",
  figureDivergence: "Taux de divergence",
  figureDivergent: "Divergentes",
  figureHarmonised: "Harmonisées",
  hiddenWhileGrading: "masqué pendant la notation",
  ofDwellings: (n) => `${countOf(n, "logement", "logements")}`,
  harmonisedOf: (done, total) => `${formatInteger(done)} / ${formatInteger(total)}`,

  chartByCommune: "Par commune : part des logements notés",
  chartByBailleur: "Par bailleur : part des logements notés",
  chartDivergenceByCommune: "Taux de divergence par commune",
  chartDivergenceByBailleur: "Taux de divergence par bailleur",
  chartAgreed: "Notes retenues",
  legendBoth: "deux côtés",
  legendOne: "un seul côté",
  legendNone: "non notés",
  ungraded: "Non qualifiée",

  comparisonTitle: "Évolution depuis la campagne précédente",
  comparisonNone: "Pas de campagne précédente pour cet EPCI.",
  comparisonHidden: "Les notes retenues s'affichent après la phase de notation.",

  settingsTitle: "Réglages de la campagne",
  settingsThreshold: "Seuil de divergence (écart de notes)",
  settingsPublished: "Publication sur la carte publique",
  publishedNone: "Rien de publié",
  publishedLevels: { epci: "Par EPCI", commune: "Par commune", qpv: "Par QPV", iris: "Par IRIS" },
  settingsLabels: "Libellés de l'échelle",
  save: "Enregistrer",
  saved: "Enregistré.",

  newCampaignTitle: "Nouvelle campagne",
  newCampaignEpci: "EPCI (SIREN)",
  newCampaignName: "Nom",
  newCampaignYear: "Année",
  newCampaignCreate: "Créer la campagne",

  gradingIntro: "Cliquez sur une résidence de la carte pour saisir sa note.",
  colourBy: "Couleur des résidences",
  colourBySide: (side) => `Note ${SIDE_LABELS[side].toLowerCase()}`,
  colourByAgreed: "Note retenue",
  progress: (done, total) => `${formatInteger(done)} / ${formatInteger(total)} résidences notées`,
  gradeOf: (side) => `Note ${side === "commune" ? "de la commune" : "du bailleur"}`,
  comment: "Commentaire (facultatif)",
  saveGrade: "Enregistrer la note",
  gradeSaved: (value) => `Note ${value} enregistrée.`,
  notGradingPhase: "La saisie des notes est fermée : la campagne n'est pas en phase de notation.",
  notGraded: "non notée",
  hidden: "confidentielle jusqu'à la fin de la notation",
  agreed: "Note retenue",
  divergent: "Notes divergentes",
  harmonisationTitle: "Note harmonisée",
  rationale: "Motif de la décision",
  saveHarmonisation: "Enregistrer la note harmonisée",
  harmonised: (h) =>
    h.value === null
      ? "Pas encore harmonisée."
      : `Harmonisée à ${h.value} par ${h.decided_by ?? "?"} (version ${h.version}).`,
  historyTitle: "Historique",
  historyEmpty: "Aucune note enregistrée.",
  historyLine: (e) =>
    `${new Date(e.at).toLocaleString("fr-FR")} · ${e.kind} · ${e.before ?? "–"} → ${e.after ?? "–"}` +
    ` · ${e.actor ?? "?"}${e.outcome === "conflict" ? " · refusée (conflit)" : ""}`,
  dwellings: (n) => countOf(n, "logement", "logements"),

  uploadSide: "Côté des notes",
  uploadFile: "Tableau (CSV ou XLSX) : une colonne code de la résidence, une colonne note",
  uploadSubmit: "Importer",
  uploading: "Import en cours…",
  uploadDone: (s) =>
    `Import réussi : ${formatInteger(s.inserted)} notes ajoutées, ${formatInteger(s.updated)} ` +
    `modifiées, ${formatInteger(s.unchanged)} inchangées, ${formatInteger(s.blank)} lignes sans note.` +
    (s.rejected_lines
      ? ` ${countOf(s.rejected_lines, "ligne rejetée", "lignes rejetées")}, non enregistrée` +
        `${s.rejected_lines > 1 ? "s" : ""} : voir le rapport.`
      : ""),
  uploadReport: "Télécharger le rapport (CSV)",
  reportHeader: ["ligne", "colonne", "valeur", "motif"],
  uploadNoSide: "Votre compte ne saisit pas de notes.",
};
