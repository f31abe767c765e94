// The French text of the meeting screen (the map's strings stay in ../i18n.js).
import { countOf, formatInteger } from "../i18n.js";

export const MEETING = {
  loading: "Chargement de la file…",
  progress: (done, total) => `${formatInteger(done)} / ${formatInteger(total)} harmonisées`,
  position: (index, total) => `Résidence ${formatInteger(index)} / ${formatInteger(total)}`,
  session: (commune, bailleur) => `${commune} × ${bailleur}`,
  dwellings: (count) => countOf(count, "logement", "logements"),
  insideQpv: (name, code) => `Dans le QPV ${name} (${code})`,
  near300m: "Hors QPV, dans la bande de 300 m d'un QPV (contexte fiscal)",
  outsideQpv: "Hors QPV",
  gap: (gap) => `écart de ${gap} point${gap > 1 ? "s" : ""}`,
  notYet: "à décider",
  decided: (by, at, rationale) =>
    `Décidée${by ? ` par ${by}` : ""}${at ? ` le ${at}` : ""}${rationale ? ` : « ${rationale} »` : ""}`,
  emptyQueue: "Aucune résidence divergente : il n'y a rien à harmoniser.",
  chooseGrade: "Choisissez d'abord la note retenue (touches 1 à 4).",
  saving: "Enregistrement…",
  saved: (code, value) => `Note ${value} enregistrée pour ${code}.`,
  conflictNewer: (value, version, by) =>
    `Note actuelle : ${value ?? "aucune"} (version ${version}${by ? `, par ${by}` : ""}). ` +
    "Entrée pour la remplacer quand même par votre choix.",
  live: "en direct",
  reconnecting: "reconnexion…",
  sideCommune: "commune",
  sideBailleur: "bailleur",
  sideAgreed: "retenue",
  harmonisedMark: (value) => `✓ ${value}`,
};
