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

/** GET `path` with query `params` (URLSearchParams or plain object) and return its JSON body. */
export async function getJSON(path, params = undefined, { signal } = {}) {
  const query = params ? new URLSearchParams(params).toString() : "";
  const url = query ? `${path}?${query}` : path;
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(STRINGS.errorNetwork, { code: "reseau" });
  }
  let body;
  try {
    body = await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    const message = response.ok ? STRINGS.errorNotJson : STRINGS.errorServer(response.status);
    throw new ApiError(message, { status: response.status });
  }
  if (!response.ok) {
    const { code, message } = body?.error ?? {};
    throw new ApiError(message || STRINGS.errorServer(response.status), {
      code,
      status: response.status,
    });
  }
  return body;
}

/** GET `path` and return its body as an ArrayBuffer; errors as `getJSON`'s. */
export async function getBytes(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(STRINGS.errorNetwork, { code: "reseau" });
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const { code, message } = body?.error ?? {};
    throw new ApiError(message || STRINGS.errorServer(response.status), {
      code,
      status: response.status,
    });
  }
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
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: json !== undefined ? JSON.stringify(json) : form,
    });
  } catch {
    throw new ApiError(STRINGS.errorNetwork, { code: "reseau" });
  }
  const payload = await response.json().catch(() => null);
  if (response.ok && payload !== null) return payload;
  const error = payload?.error ?? {};
  const failure = new ApiError(error.message || STRINGS.errorServer(response.status), {
    code: error.code,
    status: response.status,
  });
  failure.details = error;
  throw failure;
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
