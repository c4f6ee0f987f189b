import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * core-api's image protocol (core-api/src/routes/images.ts) in ~70 lines, for the watcher's tests: the edge agent
 * may not import core-api. `fault(n)` is asked before the n-th PATCH (0-based): 'drop' closes the connection
 * without writing; 'drop-after-write' stores the chunk and then closes it, so the client never hears the answer.
 */
export type Fault = 'drop' | 'drop-after-write' | undefined;

export interface StoredImage {
  meta: { imageId: string; byteLength: number; sha256: string; contentType: string; metadata: Record<string, unknown> };
  bytes: Buffer;
  complete: boolean;
}

export async function startUploadServer(fault: (patchIndex: number) => Fault = () => undefined) {
  const images = new Map<string, StoredImage>();
  const log: string[] = [];
  let patches = 0;
  let bytesReceived = 0;
  const body = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
    });
  const send = (res: ServerResponse, status: number, json?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { ...headers, ...(json === undefined ? {} : { 'content-type': 'application/json' }) });
    res.end(json === undefined ? undefined : JSON.stringify(json));
  };

  const server = createServer(async (req, res) => {
    log.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== 'Bearer test-key') return send(res, 401, { code: 'FT_UNAUTHORIZED' });
    const id = /^\/v1\/images\/([^/]+)\/content$/.exec(req.url ?? '')?.[1];
    const image = id === undefined ? undefined : images.get(decodeURIComponent(id));
    const offsetOf = (img: StoredImage) => String(img.bytes.length);
    if (req.method === 'POST' && req.url === '/v1/images') {
      const meta = JSON.parse((await body(req)).toString('utf8')) as StoredImage['meta'];
      const known = images.get(meta.imageId);
      const img = known ?? { meta, bytes: Buffer.alloc(0), complete: false };
      images.set(meta.imageId, img);
      return send(res, known ? 200 : 201, { status: img.complete ? 'complete' : 'uploading', offset: img.bytes.length });
    }
    if (!image) return send(res, 404, { code: 'FT_NOT_FOUND' });
    if (req.method === 'HEAD') return send(res, 200, undefined, { 'upload-offset': offsetOf(image) });
    if (req.method !== 'PATCH') return send(res, 405);
    const action = fault(patches++);
    const chunk = await body(req);
    if (action === 'drop') return void req.socket.destroy();
    if (Number(req.headers['upload-offset']) !== image.bytes.length || image.complete) {
      return send(res, 409, { code: 'FT_UPLOAD_OFFSET', offset: image.bytes.length }, { 'upload-offset': offsetOf(image) });
    }
    image.bytes = Buffer.concat([image.bytes, chunk]);
    bytesReceived += chunk.length;
    if (image.bytes.length === image.meta.byteLength) {
      image.complete = createHash('sha256').update(image.bytes).digest('hex') === image.meta.sha256;
      if (!image.complete) return images.delete(image.meta.imageId), send(res, 422, { code: 'FT_IMAGE_DIGEST_MISMATCH' });
    }
    if (action === 'drop-after-write') return void req.socket.destroy();
    return send(res, 204, undefined, { 'upload-offset': offsetOf(image) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    images,
    log,
    bytesReceived: () => bytesReceived,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
