// The French strings of the accounts page.
export const ACCOUNT_STRINGS = {
  active: "Actif",
  inactive: "Désactivé",
  disable: "Désactiver",
  enable: "Réactiver",
  revoke: "Révoquer",
  never: "jamais",
  noScope: "aucun périmètre",
  noAccount: "Aucun compte dans votre EPCI.",
  noToken: "Aucun jeton d'API.",
  scopeKinds: { epci: "EPCI", commune: "Commune", bailleur: "Bailleur" },
  disabled: (email) =>
    `Compte ${email} désactivé : ses sessions ont pris fin, ses jetons sont révoqués.`,
  enabled: (email) => `Compte ${email} réactivé.`,
  revoked: (id) => `Jeton n° ${id} révoqué.`,
  revokedOn: (date) => `Révoqué le ${date}`,
};
