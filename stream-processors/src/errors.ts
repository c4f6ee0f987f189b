import { defineError } from '@fieldtrace/service-kit';

export const FleetLoadFailed = defineError(
  'FT_PROCESSORS_LOAD_FAILED',
  500,
  () => 'stream processors could not load fences, sites, devices and jobs from the database; see the cause',
);
