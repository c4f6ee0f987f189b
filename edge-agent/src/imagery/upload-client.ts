import { FieldtraceError } from '@fieldtrace/service-kit';
import type { ImagePose } from './image-pose.js';

/** core-api's resumable image protocol (core-api/src/routes/images.ts); the chunk media type is tus's. */
export const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream';

export interface UploadTarget {
  /** e.g. `https://api.example.com` (no trailing `/v1`). */
  baseUrl: string;
  apiKey: string;
  /** Only for a platform-operator key, which must name the tenant. */
  tenantId?: string;
  requestTimeoutMs: number;
}

export interface Announcement {
  imageId: string;
  byteLength: number;
  sha256: string;
  contentType: string;
  metadata: ImagePose & { ts: number; deviceId?: string };
}

export interface ServerUpload {
  status: 'uploading' | 'complete';
  offset: number;
}

export type PatchResult = { ok: true; offset: number } | { ok: false; serverOffset: number };

export interface UploadClient {
  announce(a: Announcement, signal: AbortSignal): Promise<ServerUpload>;
  /** The server's offset, or null when it does not know the image (then announce it again). */
  offset(imageId: string, signal: AbortSignal): Promise<number | null>;
  append(imageId: string, offset: number, chunk: Uint8Array, signal: AbortSignal): Promise<PatchResult>;
  contentUrl(imageId: string): string;
}

/** An HTTP failure; `retryable` says whether waiting and trying again can help. */
export class UploadHttpError extends FieldtraceError {
  readonly retryable: boolean;
  constructor(what: string, status: number, detail: string) {
    super('FT_IMAGE_UPLOAD_HTTP', `${what}: HTTP ${status} ${detail}`.slice(0, 500), { statusCode: 502, context: { status } });
    // 408/429 and every 5xx are the server's (or the network's) momentary trouble; other 4xx are our request's fault.
    this.retryable = status === 408 || status === 429 || status >= 500;
  }
}

export function createUploadClient(target: UploadTarget): UploadClient {
  const base = target.baseUrl.replace(/\/+$/, '');
  const url = (imageId: string, suffix = '') => `${base}/v1/images/${encodeURIComponent(imageId)}${suffix}`;
  const headers = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${target.apiKey}`,
    ...(target.tenantId ? { 'x-tenant-id': target.tenantId } : {}),
    ...extra,
  });
  // A hung connection must not park the upload forever; the caller's signal (close) aborts too.
  const withTimeout = (signal: AbortSignal) => AbortSignal.any([signal, AbortSignal.timeout(target.requestTimeoutMs)]);

  return {
    async announce(a, signal) {
      const res = await fetch(`${base}/v1/images`, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(a),
        signal: withTimeout(signal),
      });
      if (res.status !== 200 && res.status !== 201) throw new UploadHttpError(`announce ${a.imageId}`, res.status, await res.text());
      const body = (await res.json()) as ServerUpload;
      return { status: body.status, offset: body.offset };
    },
    async offset(imageId, signal) {
      const res = await fetch(url(imageId, '/content'), { method: 'HEAD', headers: headers(), signal: withTimeout(signal) });
      if (res.status === 404) return null;
      const offset = Number(res.headers.get('upload-offset'));
      if (res.status !== 200 || !Number.isSafeInteger(offset)) throw new UploadHttpError(`offset of ${imageId}`, res.status, 'no Upload-Offset');
      return offset;
    },
    async append(imageId, offset, chunk, signal) {
      const res = await fetch(url(imageId, '/content'), {
        method: 'PATCH',
        headers: headers({ 'content-type': OFFSET_CONTENT_TYPE, 'upload-offset': String(offset) }),
        body: chunk,
        signal: withTimeout(signal),
      });
      const text = await res.text();
      if (res.status === 204) return { ok: true, offset: Number(res.headers.get('upload-offset') ?? offset + chunk.length) };
      if (res.status === 409) {
        const serverOffset = Number(res.headers.get('upload-offset') ?? offsetInProblem(text));
        if (Number.isSafeInteger(serverOffset)) return { ok: false, serverOffset };
      }
      throw new UploadHttpError(`append to ${imageId} at ${offset}`, res.status, text);
    },
    contentUrl: (imageId) => url(imageId, '/content'),
  };
}

function offsetInProblem(text: string): unknown {
  try {
    return (JSON.parse(text) as { offset?: unknown }).offset;
  } catch {
    return undefined;
  }
}
