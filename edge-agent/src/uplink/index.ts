export { createUplink, type Uplink, type UplinkOptions, type UplinkStats, type UplinkTls, type Connect } from './mqtt-uplink.js';
export { AdaptiveFilter, DEFAULT_ADAPTIVE_FILTER, type AdaptiveFilterOptions, type FilterFix, type FilterReason } from './adaptive-filter.js';
export { ContiguousAcks } from './contiguous-acks.js';
export { DrainPlan, type DrainOrder } from './drain-plan.js';
export { createFixBatchFramer, singleRecordFramer, type FixBatchOptions, type Framer, type FrameResult, type OutgoingMessage } from './framing.js';
export type { UplinkState } from './connection-state.js';
