import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventTime, Id, ImageMetadata } from '@fieldtrace/protocol';
import { NotFound, defineError, type Clock } from '@fieldtrace/service-kit';
import { IMAGE_ID_PATTERN, imageFilePaths, readImageUpload, writeImageRecord, type ImageRecord } from '@fieldtrace/store';
import { ALL_ROLES, tenantOf } from '../http/auth.js';
import { ValidationFailed } from '../http/errors.js';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../http/problems.js';
import { NoContent, Problem, withProblems } from '../http/schemas.js';

/**
 * Resumable image upload (a small subset of tus 1.0: creation, HEAD offset, PATCH append). Bytes go to
 * `<imageDir>/<tenant>/<imageId>.part` and are renamed to `.bin` once their SHA-256 matches; per-image state is a
 * JSON sidecar `<imageId>.json` beside them (files, not a table: image bytes belong in shared storage). The layout lives in the store's
 * image-files.ts, which the inspection worker reads too.
 */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
export const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream';
/** Images come from ground stations holding a provisioning (or admin/dispatcher) key; every role may read them. */
const UPLOADERS = ['admin', 'dispatcher', 'device-provisioning'] as const;
const tags = ['images'];

export const ImageUploadFailed = defineError('FT_IMAGE_DIGEST_MISMATCH', 422, (id: string) =>
  `image '${id}': the uploaded bytes do not match the declared sha256; they were discarded, start again with POST /v1/images`,
);
export const ImageMismatch = defineError('FT_CONFLICT', 409, (id: string) =>
  `image '${id}' already exists with a different byteLength or sha256`,
);
export const ImageIncomplete = defineError('FT_IMAGE_INCOMPLETE', 409, (id: string, offset: number, length: number) =>
  `image '${id}' is not complete yet (${offset} of ${length} bytes)`,
);
const UnsupportedChunk = defineError('FT_UNSUPPORTED_MEDIA_TYPE', 415, () => `a chunk is sent as ${OFFSET_CONTENT_TYPE}`);

const ImageId = Type.String({ pattern: IMAGE_ID_PATTERN, description: 'letters, digits, _ - . (no "..")' });
const ImageParams = Type.Object({ imageId: ImageId });

/**
 * The capture pose: protocol ImageMetadata's fields, all optional but `ts` (a picture without a pose is still kept).
 */
const POSE_FIELDS = ['lat', 'lon', 'altRel', 'roll', 'pitch', 'yaw', 'gimbalPitch', 'gimbalYaw', 'width', 'height', 'cameraProfile'] as const;
export const ImagePose = Type.Object(
  { ts: EventTime, deviceId: Type.Optional(Id), ...Type.Partial(Type.Pick(ImageMetadata, POSE_FIELDS)).properties },
  { additionalProperties: false },
);

const CreateImage = Type.Object({
  imageId: ImageId,
  byteLength: Type.Integer({ minimum: 1, maximum: MAX_IMAGE_BYTES }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'lowercase hex' }),
  // image/* only, so the content URL can never serve a page a browser would run.
  contentType: Type.String({ pattern: '^(image/[A-Za-z0-9.+-]{1,64}|application/octet-stream)$' }),
  metadata: ImagePose,
}, { additionalProperties: false });

const Status = Type.Union([Type.Literal('uploading'), Type.Literal('complete')]);
const Upload = Type.Object({
  imageId: Type.String(),
  status: Status,
  offset: Type.Integer({ description: 'bytes the server holds; PATCH the next chunk at this Upload-Offset' }),
  byteLength: Type.Integer(),
  uploadUrl: Type.String(),
  contentUrl: Type.String(),
});
const ImageInfo = Type.Composite([
  Upload,
  Type.Object({ sha256: Type.String(), contentType: Type.String(), metadata: ImagePose, createdAt: Type.Integer(), completedAt: Type.Optional(Type.Integer()) }),
]);
const OffsetProblem = Type.Composite([Problem, Type.Object({ offset: Type.Integer() })]);
const offsetProblemResponse = {
  description: 'Upload-Offset is not where the server is; `offset` (and the Upload-Offset header) say where it is',
  content: { [PROBLEM_CONTENT_TYPE]: { schema: OffsetProblem } },
};


export interface ImageRouteOptions {
  /** Root folder for image bytes and sidecars (config IMAGE_DIR). */
  imageDir: string;
  clock: Clock;
  [key: string]: unknown;
}

export const imageRoutes: FastifyPluginAsyncTypebox<ImageRouteOptions> = async (app, { imageDir, clock }) => {
  const locks = new Map<string, Promise<unknown>>();
  /** One request at a time per image, so two PATCHes can never interleave their appends (single-process only). */
  function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (locks.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    locks.set(key, tail);
    void tail.then(() => { if (locks.get(key) === tail) locks.delete(key); });
    return run;
  }
  const paths = (tenant: string, id: string) => imageFilePaths(imageDir, tenant, id);
  const load = (tenant: string, id: string) => readImageUpload(imageDir, tenant, id);
  const save = (tenant: string, record: ImageRecord) => writeImageRecord(imageDir, tenant, record);
  const view = (record: ImageRecord, offset: number) => ({
    imageId: record.imageId,
    status: record.status,
    offset,
    byteLength: record.byteLength,
    uploadUrl: `/v1/images/${record.imageId}/content`,
    contentUrl: `/v1/images/${record.imageId}/content`,
  });
  function offsetConflict(request: FastifyRequest, reply: FastifyReply, id: string, offset: number) {
    const detail = `image '${id}': the server holds ${offset} bytes; send the chunk at Upload-Offset ${offset}`;
    return reply.code(409).type(PROBLEM_CONTENT_TYPE).header('upload-offset', String(offset))
      .send({ ...problemBody(409, 'FT_UPLOAD_OFFSET', detail, request.url), offset });
  }

  app.addContentTypeParser(OFFSET_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: MAX_CHUNK_BYTES }, (_request, body, done) => done(null, body));

  app.post('/images', {
    config: { access: { roles: UPLOADERS } },
    schema: {
      tags,
      summary: 'Announce an image upload (idempotent on imageId: repeating it returns the current offset)',
      body: CreateImage,
      response: withProblems({ 200: Upload, 201: Upload }),
    },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const input = request.body;
    return serialised(`${tenant}/${input.imageId}`, async () => {
      const existing = await load(tenant, input.imageId);
      if (existing) {
        const { record, offset } = existing;
        if (record.sha256 !== input.sha256 || record.byteLength !== input.byteLength) throw ImageMismatch([input.imageId]);
        return reply.code(200).send(view(record, offset));
      }
      const p = paths(tenant, input.imageId);
      await mkdir(p.dir, { recursive: true });
      await rm(p.part, { force: true });
      const record: ImageRecord = { ...input, status: 'uploading', createdAt: clock.now() };
      await save(tenant, record);
      return reply.code(201).send(view(record, 0));
    });
  });

  app.head('/images/:imageId/content', {
    config: { access: { roles: UPLOADERS } },
    schema: { tags, summary: 'Upload-Offset: how many bytes the server holds', params: ImageParams },
  }, async (request, reply) => {
    const { imageId } = request.params;
    const found = await load(tenantOf(request), imageId);
    if (!found) throw NotFound(['image', imageId]);
    return reply.code(200).headers({
      'upload-offset': String(found.offset),
      'upload-length': String(found.record.byteLength),
      'cache-control': 'no-store',
    }).send();
  });

  app.patch('/images/:imageId/content', {
    bodyLimit: MAX_CHUNK_BYTES,
    config: { access: { roles: UPLOADERS } },
    schema: {
      tags,
      summary: `Append a chunk (≤ ${MAX_CHUNK_BYTES} bytes, ${OFFSET_CONTENT_TYPE}) at Upload-Offset`,
      description: 'On the last chunk the SHA-256 is checked: the image is complete, or discarded with 422.',
      params: ImageParams,
      response: { ...withProblems({ 204: NoContent }), 409: offsetProblemResponse },
    },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const { imageId } = request.params;
    if (!String(request.headers['content-type'] ?? '').startsWith(OFFSET_CONTENT_TYPE)) throw UnsupportedChunk([]);
    const chunk = request.body;
    if (!Buffer.isBuffer(chunk) || chunk.length === 0) throw ValidationFailed(['body', 'a chunk has at least one byte']);
    const header = request.headers['upload-offset'];
    const claimed = typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : NaN;
    if (!Number.isSafeInteger(claimed)) throw ValidationFailed(['Upload-Offset', 'required: a non-negative integer']);

    return serialised(`${tenant}/${imageId}`, async () => {
      const found = await load(tenant, imageId);
      if (!found) throw NotFound(['image', imageId]);
      const { record, offset } = found;
      if (claimed !== offset || record.status === 'complete') return offsetConflict(request, reply, imageId, offset);
      const end = offset + chunk.length;
      if (end > record.byteLength) {
        throw ValidationFailed(['body', `the chunk ends at byte ${end}, past the declared byteLength ${record.byteLength}`]);
      }
      const p = paths(tenant, imageId);
      const fh = await open(p.part, 'a');
      try {
        await fh.appendFile(chunk);
        if (end === record.byteLength) await fh.sync();
      } finally {
        await fh.close();
      }
      if (end === record.byteLength) {
        if ((await sha256OfFile(p.part)) !== record.sha256) {
          await rm(p.part, { force: true });
          await rm(p.meta, { force: true });
          throw ImageUploadFailed([imageId]);
        }
        await rename(p.part, p.data);
        await save(tenant, { ...record, status: 'complete', completedAt: clock.now() });
      }
      return reply.code(204).header('upload-offset', String(end)).send(null);
    });
  });

  app.get('/images/:imageId', {
    config: { access: { roles: ALL_ROLES } },
    schema: { tags, summary: 'An image\'s pose, size and upload status', params: ImageParams, response: withProblems({ 200: ImageInfo }) },
  }, async (request) => {
    const { imageId } = request.params;
    const found = await load(tenantOf(request), imageId);
    if (!found) throw NotFound(['image', imageId]);
    const { record, offset } = found;
    return {
      ...view(record, offset),
      sha256: record.sha256,
      contentType: record.contentType,
      metadata: record.metadata,
      createdAt: record.createdAt,
      ...(record.completedAt === undefined ? {} : { completedAt: record.completedAt }),
    };
  });

  app.get('/images/:imageId/content', {
    // Ground stations HEAD this URL for the offset (the route above); a reader only ever GETs it.
    exposeHeadRoute: false,
    config: { access: { roles: ALL_ROLES } },
    schema: { tags, summary: 'The image bytes (once complete)', params: ImageParams },
  }, async (request, reply) => {
    const tenant = tenantOf(request);
    const { imageId } = request.params;
    const found = await load(tenant, imageId);
    if (!found) throw NotFound(['image', imageId]);
    const { record, offset } = found;
    if (record.status !== 'complete') throw ImageIncomplete([imageId, offset, record.byteLength]);
    return reply
      .type(record.contentType)
      .headers({ 'content-length': String(record.byteLength), 'x-content-type-options': 'nosniff', etag: `"${record.sha256}"` })
      .send(createReadStream(paths(tenant, imageId).data));
  });
};

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path)) hash.update(block as Buffer);
  return hash.digest('hex');
}
