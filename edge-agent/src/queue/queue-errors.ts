import { defineError } from '@fieldtrace/service-kit';

export const QueueBoundTooSmall = defineError('FT_QUEUE_BOUND_TOO_SMALL', 500, (maxBytes: number, segmentBytes: number) =>
  `the queue bound (${maxBytes} bytes) must hold at least two segments of ${segmentBytes} bytes: ` +
    `raise QUEUE_MAX_BYTES or lower QUEUE_SEGMENT_BYTES`,
);
export const RecordTooLarge = defineError('FT_QUEUE_RECORD_TOO_LARGE', 500, (bytes: number, max: number) =>
  `a queue record of ${bytes} bytes is empty or exceeds ${max} bytes`,
);
