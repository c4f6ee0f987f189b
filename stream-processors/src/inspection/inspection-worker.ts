import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { busFilter, busTopic, type ImageDetection, type Inspection, type InspectionUpdate } from '@fieldtrace/protocol';
import type { Bus, Clock, Logger } from '@fieldtrace/service-kit';
import {
  claimNextInspection, failAbandonedInspections, finishInspection, getSiteRoof, imageFilePaths, inspectionUpdate,
  listInspectionImages, replaceFindings, saveImageDetections, type Db, type NewFinding,
} from '@fieldtrace/store';
import {
  annotatedCrop, capturePoseOf, clusterFindings, decodeImage, inspectImage, loadCameraProfiles, loadDetector,
  type CameraProfiles, type Detector, type Finding, type GroundDetection, type RawImage,
} from '@fieldtrace/inspection';

export interface InspectionWorkerOptions {
  modelPath: string;
  /** Sidecar JSON; `<model>.json` beside the model when absent. */
  modelConfigPath?: string | undefined;
  /** onnxruntime intra-op threads; 0: one per core. */
  threads: number;
  /** The image store core-api writes uploads to (shared storage); uploaded images cannot be looked at without it. */
  imageDir?: string | undefined;
  cameraProfileDir: string;
  /** Roof plane height above the take-off point for sites without a roof record, metres. */
  defaultRoofHeightM: number;
  /** How often the queue is looked at when no bus message wakes the worker, ms. */
  pollMs: number;
  /** A claimed inspection not heard of for this long was left by a dead worker and is claimed again, ms. */
  staleMs: number;
  cropSizePx: number;
}

export interface InspectionWorkerStats {
  inspectionsDone: number;
  inspectionsFailed: number;
  imagesLooked: number;
  imagesFromEdge: number;
  imagesMissing: number;
  imagesWithoutPose: number;
  findings: number;
  busy: boolean;
}

export interface InspectionWorker {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): InspectionWorkerStats;
  /** Resolves once the queue is empty and nothing is being processed (tests). */
  idle(): Promise<void>;
}

/**
 * Turns queued inspections into findings. Claims one at a time from the database (so a crash loses nothing: a
 * claimed inspection nobody finishes is claimed again after `staleMs`), looks at every image not yet looked at
 * (images a ground station already ran the model on keep its detections), saves each image's detections as it goes
 * (a retry resumes where the crash was), clusters the flight's detections into findings on the site's roof, cuts an
 * annotated crop per finding and announces the result on the bus. The model is loaded on the first inspection.
 */
export function buildInspectionWorker(opts: InspectionWorkerOptions, deps: { db: Db; bus: Bus; logger: Logger; clock: Clock }): InspectionWorker {
  const { db, bus, clock } = deps;
  const log = deps.logger.child({ part: 'inspection' });
  const counters: InspectionWorkerStats = {
    inspectionsDone: 0, inspectionsFailed: 0, imagesLooked: 0, imagesFromEdge: 0, imagesMissing: 0, imagesWithoutPose: 0, findings: 0, busy: false,
  };
  let detector: Promise<Detector> | null = null;
  let cameras: Promise<CameraProfiles> | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  let closed = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let wakeRequested = false;
  const idleWaiters: Array<() => void> = [];

  const model = () => (detector ??= loadDetector({
    modelPath: opts.modelPath,
    ...(opts.modelConfigPath ? { configPath: opts.modelConfigPath } : {}),
    ...(opts.threads > 0 ? { threads: opts.threads } : {}),
  }));
  const cameraProfiles = () => (cameras ??= loadCameraProfiles(opts.cameraProfileDir));

  function poke(): void {
    wakeRequested = true;
    wake?.();
  }

  function publish(update: InspectionUpdate): void {
    bus.publish(busTopic(update.tenantId, 'inspection'), update);
  }

  async function run(): Promise<void> {
    while (!closed) {
      wakeRequested = false;
      let job: Inspection | null = null;
      try {
        for (const failed of await failAbandonedInspections(db, clock.now(), { staleMs: opts.staleMs })) {
          counters.inspectionsFailed++;
          log.error({ inspectionId: failed.id, tenantId: failed.tenantId }, 'inspection abandoned after repeated worker crashes');
          publish(inspectionUpdate(failed, 0, clock.now()));
        }
        job = await claimNextInspection(db, clock.now(), { staleMs: opts.staleMs });
      } catch (err) {
        log.error({ err }, 'inspection queue unreadable; retrying');
      }
      if (job) {
        counters.busy = true;
        await process(job);
        counters.busy = false;
        continue;
      }
      for (const resolve of idleWaiters.splice(0)) resolve();
      if (wakeRequested || closed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  async function process(job: Inspection): Promise<void> {
    const started = performance.now();
    const jlog = log.child({ inspectionId: job.id, tenantId: job.tenantId });
    publish(inspectionUpdate(job, 0, clock.now()));
    try {
      const images = await listInspectionImages(db, job.tenantId, job.id);
      const roof = job.siteId ? await getSiteRoof(db, job.tenantId, job.siteId) : null;
      const planeHeightM = roof?.heightM ?? opts.defaultRoofHeightM;
      const stats = { images: images.length, looked: 0, edge: 0, resumed: 0, missing: 0, noPose: 0, detections: 0, findings: 0, outsideRoof: 0, ms: 0 };
      const ground: Array<GroundDetection & { thumbnail?: string | undefined }> = [];
      const uploaded = new Set<string>();
      let modelName: string | null = null;

      for (let i = 0; i < images.length; i++) {
        const img = images[i]!;
        if (img.detections !== null) {
          // A ground station's results, or this inspection's earlier attempt: not looked at again.
          if (img.source === 'edge') stats.edge++;
          else {
            stats.resumed++;
            uploaded.add(img.imageId);
          }
          for (const d of img.detections) ground.push({ ...d, imageId: img.imageId });
          continue;
        }
        const pose = capturePoseOf(img.pose, img.ts);
        if (!pose) {
          stats.noPose++;
          jlog.warn({ imageId: img.imageId }, 'image has no usable pose (position and altitude); not looked at');
          continue;
        }
        const path = opts.imageDir ? imageFilePaths(opts.imageDir, job.tenantId, img.imageId).data : null;
        if (!path || !(await exists(path))) {
          stats.missing++;
          jlog.warn({ imageId: img.imageId, imageDir: opts.imageDir ?? null }, 'image bytes not in the image store; not looked at');
          continue;
        }
        const d = await model();
        modelName = d.name;
        const result = await inspectImage(d, await cameraProfiles(), { imageId: img.imageId, source: path, pose, cameraProfile: img.pose.cameraProfile }, { planeHeightM });
        await saveImageDetections(db, job.tenantId, job.id, img.imageId, result.detections.map(toWire), d.name, clock.now());
        for (const g of result.detections) ground.push(g);
        uploaded.add(img.imageId);
        stats.looked++;
        counters.imagesLooked++;
        jlog.info({
          imageId: img.imageId, n: i + 1, of: images.length, detections: result.detections.length,
          inferMs: Math.round(result.stats.inferMs), tiles: result.stats.tiles,
        }, 'image looked at');
      }
      counters.imagesFromEdge += stats.edge;
      counters.imagesMissing += stats.missing;
      counters.imagesWithoutPose += stats.noPose;
      stats.detections = ground.length;

      const findings = clusterFindings(ground, { ...(roof ? { roofOutline: roof.outline } : {}), idPrefix: findingPrefix(job.id) });
      const stored: NewFinding[] = [];
      const crops = cropCutter(job.tenantId, uploaded, ground);
      for (const f of findings) stored.push({ ...f, crop: await crops.cut(f) });
      await replaceFindings(db, job.tenantId, job.id, stored);
      stats.findings = findings.length;
      stats.outsideRoof = findings.filter((f) => f.outsideRoof).length;
      stats.ms = Math.round(performance.now() - started);
      const done = await finishInspection(db, job.tenantId, job.id, { status: 'done', stats, model: modelName }, clock.now());
      counters.inspectionsDone++;
      counters.findings += findings.length;
      jlog.info(stats, 'inspection done');
      if (done) publish(inspectionUpdate(done, findings.length, clock.now()));
    } catch (err) {
      counters.inspectionsFailed++;
      jlog.error({ err }, 'inspection failed');
      const failed = await finishInspection(db, job.tenantId, job.id, { status: 'failed', error: String((err as Error)?.message ?? err).slice(0, 1000) }, clock.now())
        .catch(() => null);
      if (failed) publish(inspectionUpdate(failed, 0, clock.now()));
    }
  }

  /**
   * Each finding's crop comes from its most confident view: cut from the stored picture when the cloud has it, else
   * the thumbnail the ground station sent. The last picture decoded is kept, since views cluster by image.
   */
  function cropCutter(tenantId: string, uploaded: ReadonlySet<string>, ground: ReadonlyArray<GroundDetection & { thumbnail?: string | undefined }>) {
    let cached: { imageId: string; image: RawImage } | null = null;
    return {
      async cut(f: Finding): Promise<Buffer | null> {
        const best = [...f.views].sort((a, b) => b.confidence - a.confidence)[0];
        if (!best) return null;
        try {
          if (uploaded.has(best.imageId) && opts.imageDir) {
            if (cached?.imageId !== best.imageId) {
              cached = { imageId: best.imageId, image: await decodeImage(imageFilePaths(opts.imageDir, tenantId, best.imageId).data) };
            }
            return await annotatedCrop(cached.image, best.box, { size: opts.cropSizePx, label: f.className });
          }
          const sent = ground.find((g) => g.imageId === best.imageId && g.className === f.className && g.thumbnail);
          return sent?.thumbnail ? Buffer.from(sent.thumbnail, 'base64') : null;
        } catch (err) {
          log.warn({ err, findingId: f.id }, 'no crop for finding');
          return null;
        }
      },
    };
  }

  return {
    async start() {
      unsubscribe = await bus.subscribe(busFilter('inspection'), (_topic, message) => {
        if ((message as { status?: unknown }).status === 'queued') poke();
      });
      loop = run();
    },
    async close() {
      closed = true;
      wake?.();
      await unsubscribe?.();
      await loop;
      const d = await detector?.catch(() => null);
      await d?.close();
    },
    stats: () => ({ ...counters }),
    idle() {
      if (!loop) return Promise.resolve();
      const waiting = new Promise<void>((resolve) => idleWaiters.push(resolve));
      poke();
      return waiting;
    },
  };
}

function toWire(d: GroundDetection): ImageDetection {
  return {
    box: d.box, classId: d.classId, className: d.className, confidence: d.confidence, lat: d.lat, lon: d.lon,
    footprint: d.footprint, areaM2: d.areaM2, gsdM: d.gsdM,
  };
}

/** Finding ids are `<prefix>-<n>` and ids are at most 64 characters: a long inspection id is shortened to a digest. */
function findingPrefix(inspectionId: string): string {
  return inspectionId.length <= 56 ? inspectionId : createHash('sha256').update(inspectionId).digest('hex').slice(0, 24);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
