// JSON calls to Cartable's /api/v1 with the session cookie. Every call that changes something
// carries the page's CSRF token (X-CSRF-Token, read from <meta name="csrf-token">). Errors come
// back as ApiError with the HTTP status and a French message fit to show to the person.
import { noteActivity } from './session.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// French texts by HTTP status, for errors whose answer carries no French message of its own.
export const kMessages = {
  0: 'Le serveur ne répond pas. Vérifiez votre connexion puis réessayez.',
  400: 'La demande est incorrecte.',
  401: 'Votre session a expiré. Reconnectez-vous.',
  403: "Vous n'avez pas le droit de faire cela.",
  404: "Cet élément n'existe plus.",
  409: 'Cet élément a été modifié entre-temps. Rechargez la page.',
  412: 'Cet élément a été modifié entre-temps. Rechargez la page.',
  413: 'Le contenu est trop volumineux.',
  429: 'Trop de demandes : patientez un instant.',
  503: 'Le service est momentanément indisponible. Réessayez dans un instant.',
  507: "L'espace de stockage est plein.",
};

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? '';
}

// api('GET', '/api/v1/calendars') → parsed JSON (null for 204). `body`: an object (sent as JSON)
// or a string with `type` (text/vcard for imports).
export async function api(method, path, body, { type, accept = 'application/json', signal } = {}) {
  const headers = { Accept: accept };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken();
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string') {
      payload = body;
      headers['Content-Type'] = type ?? 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', kMessages[0]);
  }
  noteActivity();
  if (response.status === 401) {
    window.location.assign('/connexion?info=session-expired&suite=' +
      encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, 'session', kMessages[401]);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  if ((response.headers.get('Content-Type') ?? '').includes('json') && text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!response.ok) {
    const message = (json && (json.message || json.error)) || kMessages[response.status] || `Erreur ${response.status}`;
    throw new ApiError(response.status, json?.error ?? String(response.status), message);
  }
  return json ?? text;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// '/api/v1/calendars/' + seg(id): one path segment, percent-encoded.
export const seg = (s) => encodeURIComponent(s);
