// Calls to the bindspace API with the key kept for this browser tab; failures carry the API's message.

import {$} from "./dom.js";

export const KEY_STORAGE = "bindspace.key";

export class ApiFailure extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function errorMessage(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && body.error && typeof body.error.message === "string") return body.error.message;
    if (body && typeof body.error === "string") return body.error;
    if (body && body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch (_) { /* not JSON: the text itself is the message */ }
  return text || `${response.status} ${response.statusText}`;
}

async function request(method, path, body) {
  const headers = {};
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (!response.ok) {
    const message = await errorMessage(response);
    if (response.status === 401) $("key").focus();
    throw new ApiFailure(response.status, message);
  }
  return response;
}

export const api = {
  json: async (method, path, body) => {
    const response = await request(method, path, body);
    return response.status === 204 ? null : response.json();
  },
  blob: async path => (await request("GET", path)).blob(),
};

export const collectionPath = name => `v1/collections/${encodeURIComponent(name)}`;
export const itemPath = (name, id) => `${collectionPath(name)}/items/${id.split("/").map(encodeURIComponent).join("/")}`;
