export { openQueue, DEFAULT_QUEUE_OPTIONS, type DurableQueue, type QueueOptions } from './durable-queue.js';
export type { QueueEntry, QueueRecord } from './queue-record.js';
export type { FsyncPolicy, ReadResult } from './segment.js';
export type { QueueStats } from './queue-stats.js';
export { QueueBoundTooSmall, RecordTooLarge } from './queue-errors.js';
