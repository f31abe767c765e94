// The account area of the page header: "Se connecter", or the signed-in account and "Se déconnecter"
// (and, for an EPCI administrator, the link to the accounts page).
import { send } from "../data/api.js";
import { STRINGS } from "../i18n.js";

async function signOut() {
  await send("POST", "/api/auth/logout");
  window.location.assign("/");
}

async function render(container) {
  const response = await fetch("/api/auth/session", { headers: { Accept: "application/json" } });
  const { account } = response.ok ? await response.json() : { account: null };
  container.replaceChildren();
  if (!account) {
    const link = document.createElement("a");
    link.href = `/connexion?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
    link.textContent = STRINGS.signIn;
    container.append(link);
    return;
  }
  const who = document.createElement("span");
  who.className = "site-header__who";
  who.textContent = account.display_name || account.email;
  who.title = `${account.email} · ${account.role_label}`;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = STRINGS.signOut;
  button.addEventListener("click", signOut);
  if (account.role === "admin") {
    const accounts = document.createElement("a");
    accounts.href = "/comptes";
    accounts.textContent = STRINGS.accounts;
    if (window.location.pathname === "/comptes") accounts.setAttribute("aria-current", "page");
    container.append(accounts);
  }
  container.append(who, button);
}

const container = document.getElementById("account");
if (container) render(container);
