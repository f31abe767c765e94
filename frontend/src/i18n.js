// Every French string of the interface, and the French number formats, in one place.

/** Chromium takes 30 to 150 ms to create its first `Intl.NumberFormat` (the ICU data of the
 * locale), on the map's first load; the integers are grouped here by hand, as `fr-FR` does
 * (groups of three digits after a narrow no-break space, the minus sign a hyphen-minus), and
 * the formatter is only created for what this does not cover (not finite, beyond 2^53). */
let integerFormat = null;
const GROUP = "\u202f";

/** 12345 → "12 345" (French grouping, rounded half away from zero like `Intl.NumberFormat`;
 * -0.4 gives "0", where the formatter writes "-0"). */
export function formatInteger(value) {
  const number = Number(value);
  const rounded = Math.sign(number) * Math.round(Math.abs(number));
  if (!Number.isSafeInteger(rounded)) {
    integerFormat ??= new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
    return integerFormat.format(value);
  }
  const digits = String(Math.abs(rounded));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let at = grouped.length; at < digits.length; at += 3) {
    grouped += GROUP + digits.slice(at, at + 3);
  }
  return rounded < 0 ? `-${grouped}` : grouped;
}

/** "1 résidence", "2 résidences" (French: 0 and 1 take the singular). */
export function countOf(value, singular, plural) {
  return `${formatInteger(value)} ${Math.abs(value) < 2 ? singular : plural}`;
}

export const STRINGS = {
  demoBanner: "Données de démonstration : résidences, bailleurs, notes et QPV fictifs",
  demoData: "données de démonstration",
  loading: "Chargement de la carte…",
  loadingResidences: "Chargement des résidences…",

  filtersTitle: "Filtres",
  filterEpci: "EPCI",
  filterCommune: "Commune",
  filterBailleur: "Bailleur",
  filterGrade: "Note de vivre-ensemble",
  filterQpv: "Situation par rapport aux QPV",
  allEpci: "Tous les EPCI",
  allCommunes: "Toutes les communes",
  allBailleurs: "Tous les bailleurs",
  qpvAll: "Tous",
  qpvInside: "Dans un QPV",
  qpvOutside: "Hors QPV",
  resetFilters: "Réinitialiser les filtres",
  noGradeSelected: "Aucune note cochée : aucune résidence affichée.",

  legendTitle: "Vivre-ensemble",
  legendFold: "Légende",
  layersFold: "Couches",
  legendResidences: "Résidences",
  legendDwellings: "Logements",
  legendTotal: "Total",

  layerTerritory: "Limites des communes et EPCI",
  layerOnline: "Fond de carte en ligne",
  layerQpvOfficial: "QPV (périmètres officiels)",
  layerQpvDemo: "QPV de démonstration (fictifs)",

  dwelling: "logement",
  dwellings: "logements",

  popupCode: "Code",
  popupBailleur: "Bailleur",
  popupCommune: "Commune",
  popupAddress: "Adresse",
  popupIris: "IRIS",
  irisOf: (name, code) => `${name} (${code})`,
  popupGrade: "Note",
  hiddenSignIn: "connectez-vous pour la voir",
  hiddenOutOfReach: "hors de votre périmètre, ou campagne en cours de notation",
  signIn: "Se connecter",
  signOut: "Se déconnecter",
  accounts: "Comptes",
  insideQpv: (name, code) => `Dans le QPV ${name} (${code})`,
  distanceToQpv: (metres) => `À ${formatInteger(metres)} m du QPV le plus proche`,
  band300m: "dans la bande de 300 m autour d'un QPV (TVA réduite, art. 278 sexies CGI)",
  noQpvDistance: "Distance au QPV le plus proche inconnue",
  qpvTooltip: (name, code) => `${name} (${code})`,

  summary: (residences, dwellings) =>
    `${countOf(residences, "résidence", "résidences")} · ` +
    countOf(dwellings, "logement", "logements"),

  tileMode: "vue regroupée (grande sélection) : zoomez pour voir chaque résidence",
  cellLabel: (residences, dwellings) =>
    `${countOf(residences, "résidence", "résidences")}, ` +
    `${countOf(dwellings, "logement", "logements")} : zoomer sur ce groupe`,

  errorNetwork: "Le serveur ne répond pas : vérifiez la connexion puis rechargez la page.",
  errorServer: (status) => `Erreur du serveur (HTTP ${status}).`,
  errorNotJson: "Réponse inattendue du serveur (ce n'est pas du JSON).",
};
