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

  slot: (slot, rooms) =>
    `Séance ${slot.number}${rooms > 1 ? ` · salle ${slot.room}` : ""} · ` +
    `${slot.start ? `${slot.start}–${slot.end}` : "déjà harmonisée"} · ` +
    `${slot.commune_name} × ${slot.bailleur}`,
  slotProgress: (done, total) => `${formatInteger(done)} / ${formatInteger(total)} décidées`,
  planned: (slot) => `Prévue de ${slot.start} à ${slot.end} (${slot.duration_min} min)`,
  slotDone: "Rien à décider : séance déjà harmonisée",
  elapsed: (ms) => `Écoulé ${duration(ms)}`,
  remaining: (ms) => `· reste ${duration(ms)}`,
  overrun: (ms) => `· dépassement de ${duration(ms)}`,
  next: (slot) => `Ensuite : ${slot.start} · ${slot.commune_name} × ${slot.bailleur}`,
  lastSlot: "Dernière séance de la salle",
  following: (room) => `Cet écran suit l'animateur (salle ${room}).`,
  followingHidden:
    "L'animateur présente une résidence hors de votre territoire : l'écran reste où il est.",
  notFollowing: "Cet écran ne suit plus l'animateur : bouton « Suivre l'animateur » ou touche s pour revenir.",
  facilitating: (room) => `Vous animez la salle ${room} : les écrans qui suivent l'animateur vous suivent.`,
  facilitate: (room) => `Animer la salle ${room}`,
};

/** 250 000 ms → "4 min 10 s"; an hour or more → "1 h 04 min". */
function duration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
}
