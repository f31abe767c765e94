// The accounts page: the accounts of the administrator's EPCI and their API tokens, each with its
// button (disable/enable, revoke). Text always goes in as text, never as HTML.
import { el, showMessage } from "../campaigns/dom.js";
import { getJSON, send } from "../data/api.js";
import { ACCOUNT_STRINGS as S } from "./strings.js";

const message = document.getElementById("message");
const accountRows = document.getElementById("accounts");
const tokenRows = document.getElementById("tokens");

const dateFormat = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "short" });
const when = (value) => (value ? dateFormat.format(new Date(value)) : S.never);

function scopeText(scopes) {
  const parts = Object.entries(scopes).map(
    ([kind, codes]) => `${S.scopeKinds[kind] ?? kind} ${codes.join(", ")}`,
  );
  return parts.join(" · ") || S.noScope;
}

function actionButton(label, describedBy, action) {
  const button = el("button", { type: "button", className: "button" }, label);
  button.setAttribute("aria-describedby", describedBy);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const done = await action();
      showMessage(message, done, "ok");
      await load();
    } catch (error) {
      showMessage(message, error.message);
      button.disabled = false;
    }
  });
  return button;
}

function accountRow(account) {
  const id = `account-${account.id}`;
  const name = el("th", { scope: "row", id }, account.display_name || account.email);
  if (account.display_name) name.append(el("br"), el("small", {}, account.email));
  const toggle = account.active
    ? actionButton(S.disable, id, async () => {
        await send("PATCH", `/api/accounts/${account.id}`, { json: { active: false } });
        return S.disabled(account.email);
      })
    : actionButton(S.enable, id, async () => {
        await send("PATCH", `/api/accounts/${account.id}`, { json: { active: true } });
        return S.enabled(account.email);
      });
  const row = el(
    "tr",
    {},
    name,
    el("td", {}, account.role_label),
    el("td", {}, scopeText(account.scopes)),
    el("td", {}, String(account.sessions)),
    el("td", {}, account.active ? S.active : S.inactive),
    el("td", {}, toggle),
  );
  row.dataset.active = String(account.active);
  return row;
}

function tokenRow(token) {
  const id = `token-${token.id}`;
  const action = token.revoked_at
    ? ""
    : actionButton(S.revoke, id, async () => {
        await send("DELETE", `/api/tokens/${token.id}`);
        return S.revoked(token.id);
      });
  return el(
    "tr",
    {},
    el("th", { scope: "row", id }, String(token.id)),
    el("td", {}, token.email),
    el("td", {}, when(token.created_at)),
    el("td", {}, when(token.last_used_at)),
    el("td", {}, token.revoked_at ? S.revokedOn(when(token.revoked_at)) : S.active),
    el("td", {}, action),
  );
}

function emptyRow(text) {
  return el("tr", {}, el("td", { colSpan: 6 }, text));
}

async function load() {
  const [accounts, tokens] = await Promise.all([getJSON("/api/accounts"), getJSON("/api/tokens")]);
  accountRows.replaceChildren(
    ...(accounts.length ? accounts.map(accountRow) : [emptyRow(S.noAccount)]),
  );
  tokenRows.replaceChildren(...(tokens.length ? tokens.map(tokenRow) : [emptyRow(S.noToken)]));
  document.body.dataset.state = "ready";
}

load().catch((error) => {
  showMessage(message, error.message);
  document.body.dataset.state = "error";
});
