// Fetch helpers for the qualiparc API: JSON in, errors out as `ApiError` with a French message.
import { STRINGS } from "../i18n.js";

/** An API failure the user can read: `code` is the server's stable code, `message` is French. */
export class ApiError extends Error {
  constructor(message, { code = "erreur", status = 0 } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/** `fetch(url, init)`, a network failure turned into an `ApiError` (an abort stays an abort). */
async function reach(url, init) {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(STRINGS.errorNetwork, { code: "reseau" });
  }
}

/** The `ApiError` of a failed `response`, from its JSON error `body` (null: none). */
function failure(response, body) {
  const { code, message } = body?.error ?? {};
  return new ApiError(message || STRINGS.errorServer(response.status), {
    code,
    status: response.status,
  });
}

/** GET `path` with query `params` (URLSearchParams or plain object) and return its JSON body. */
export async function getJSON(path, params = undefined, { signal } = {}) {
  const query = params ? new URLSearchParams(params).toString() : "";
  const url = query ? `${path}?${query}` : path;
  const response = await reach(url, { headers: { Accept: "application/json" }, signal });
  let body;
  try {
    body = await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    const message = response.ok ? STRINGS.errorNotJson : STRINGS.errorServer(response.status);
    throw new ApiError(message, { status: response.status });
  }
  if (!response.ok) throw failure(response, body);
  return body;
}

/** GET `path` and return its body as an ArrayBuffer (empty for a 204); errors as `getJSON`'s. */
export async function getBytes(path, { signal } = {}) {
  const response = await reach(path, { signal });
  if (!response.ok) throw failure(response, await response.json().catch(() => null));
  return response.arrayBuffer();
}

/** The CSRF token the server set at sign-in: every cookie-authenticated write must send it. */
export function csrfToken() {
  const match = document.cookie.match(/(?:^|; )qp_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/**
 * Write with the session's CSRF token: `json` (sent as JSON) or `form` (FormData). Resolves to the
 * JSON reply; rejects with an `ApiError` whose `details` hold the server's error body (on a 409:
 * the newer value and version).
 */
export async function send(method, path, { json, form } = {}) {
  const headers = { Accept: "application/json", "X-CSRF-Token": csrfToken() };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  const body = json !== undefined ? JSON.stringify(json) : form;
  const response = await reach(path, { method, headers, body });
  const payload = await response.json().catch(() => null);
  if (response.ok && payload !== null) return payload;
  const refused = failure(response, payload);
  refused.details = payload?.error ?? {};
  throw refused;
}

export const fetchMeta = (options) => getJSON("/api/meta", undefined, options);

/** Residences matching `params` (the filters as URLSearchParams): a GeoJSON FeatureCollection. */
export const fetchResidences = (params, options) => getJSON("/api/residences", params, options);

export const fetchQpv = (options) => getJSON("/api/qpv", undefined, options);

export const fetchCommunes = (epci = undefined, options = undefined) =>
  getJSON("/api/communes", epci ? { epci } : undefined, options);

export const fetchEpci = (options) => getJSON("/api/epci", undefined, options);

/** Commune and EPCI outlines packed for the map (`/api/outlines`): an ArrayBuffer for
 * `unpackOutlines` (rendering/outlines.js). */
export const fetchPackedOutlines = (options) => getBytes("/api/outlines", options);
