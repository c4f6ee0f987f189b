/**
 * The API session: the key arrives once as `?key=` (a link a dispatcher is sent), is kept in sessionStorage
 * (gone when the tab closes) and removed from the address bar so it is not left in history or screenshots.
 */
export interface Session {
  key: string;
  /** Only for platform operator keys: the tenant to look at (`x-tenant-id`, or `?tenant=` on the WebSocket). */
  tenant: string | null;
}

const KEY_ITEM = 'fieldtrace.key';
const TENANT_ITEM = 'fieldtrace.tenant';

export function readSession(): Session | null {
  const url = new URL(window.location.href);
  const key = url.searchParams.get('key');
  if (key) {
    saveSession({ key, tenant: url.searchParams.get('tenant') });
    url.searchParams.delete('key');
    url.searchParams.delete('tenant');
    window.history.replaceState(null, '', url);
  }
  const stored = sessionStorage.getItem(KEY_ITEM);
  return stored ? { key: stored, tenant: sessionStorage.getItem(TENANT_ITEM) } : null;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY_ITEM, s.key);
  if (s.tenant) sessionStorage.setItem(TENANT_ITEM, s.tenant);
  else sessionStorage.removeItem(TENANT_ITEM);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY_ITEM);
  sessionStorage.removeItem(TENANT_ITEM);
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export function getJson<T>(session: Session, path: string): Promise<T> {
  return request<T>(session, 'GET', path);
}

export function postJson<T>(session: Session, path: string, body: unknown = {}): Promise<T> {
  return request<T>(session, 'POST', path, body);
}

async function request<T>(session: Session, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.key}`, accept: 'application/json' };
  if (session.tenant) headers['x-tenant-id'] = session.tenant;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) {
    // Problem bodies (RFC 9457) carry a human-readable detail.
    const problem = (await res.json().catch(() => null)) as { detail?: string } | null;
    throw new ApiError(res.status, problem?.detail ?? `${res.status} ${res.statusText} for ${path}`);
  }
  return (await res.json()) as T;
}

/**
 * A file the API serves behind the key (a report, a crop) as an object URL: an <a href> or <img src> cannot send the
 * Authorization header. The caller revokes it when done.
 */
export async function getBlobUrl(session: Session, path: string): Promise<string> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.key}` };
  if (session.tenant) headers['x-tenant-id'] = session.tenant;
  const res = await fetch(path, { headers });
  if (!res.ok) {
    const problem = (await res.json().catch(() => null)) as { detail?: string } | null;
    throw new ApiError(res.status, problem?.detail ?? `${res.status} ${res.statusText} for ${path}`);
  }
  return URL.createObjectURL(await res.blob());
}

/** Browsers cannot set headers on a WebSocket, hence the key in the query string (over TLS in production). */
export function liveUrl(session: Session): string {
  const url = new URL('/v1/live', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('key', session.key);
  if (session.tenant) url.searchParams.set('tenant', session.tenant);
  return url.toString();
}
