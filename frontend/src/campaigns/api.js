// Calls of the campaign pages: reads through `getJSON`, writes with the session's CSRF token.
import { getJSON, send } from "../data/api.js";

/** Signed out (or session expired): back to the sign-in page, then here again. */
export function signInAgain() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/connexion?next=${encodeURIComponent(next)}`);
}

/** GET with a redirect to the sign-in page when the session is gone. */
export async function read(path, params) {
  try {
    return await getJSON(path, params);
  } catch (error) {
    if (error.status === 401) signInAgain();
    throw error;
  }
}

export const signIn = (email, password) =>
  send("POST", "/api/auth/login", { json: { email, password } });
export const me = () => read("/api/auth/me");

export const listCampaigns = () => read("/api/campaigns");
export const fetchCampaign = (id) => read(`/api/campaigns/${id}`);
export const fetchStats = (id) => read(`/api/campaigns/${id}/stats`);
export const fetchComparison = (id) => read(`/api/campaigns/${id}/comparison`);
export const fetchGrades = (id) => read(`/api/campaigns/${id}/grades`);
export const createCampaign = (body) => send("POST", "/api/campaigns", { json: body });
export const patchCampaign = (id, body) => send("PATCH", `/api/campaigns/${id}`, { json: body });

const residencePath = (id, kind, code) =>
  `/api/campaigns/${id}/${kind}/${encodeURIComponent(code)}`;

export const fetchResidenceGrades = (id, code) => read(residencePath(id, "grades", code));
export const saveGrade = (id, code, body) =>
  send("PUT", residencePath(id, "grades", code), { json: body });
export const fetchHarmonisation = (id, code) => read(residencePath(id, "harmonisations", code));
/** Rejects with `details` = the server's error body: on a 409, the newer value and version. */
export const saveHarmonisation = (id, code, body) =>
  send("PUT", residencePath(id, "harmonisations", code), { json: body });
export const fetchHistory = (code, campaign) =>
  read(`/api/residences/${encodeURIComponent(code)}/history`, { campaign });

/** POST a grade sheet; rejects with `details.errors` = the rows refused. */
export function uploadSheet(id, side, file, partial = false) {
  const form = new FormData();
  form.append("side", side);
  form.append("file", file);
  form.append("partial", partial ? "true" : "false");
  return send("POST", `/api/campaigns/${id}/grades/import`, { form });
}
