import type { VroomInput, VroomSolution } from './schema.js';

/**
 * Hand-made problems for the tests, with solutions worked out by hand (the arithmetic is in the comments) so the
 * feasibility checker is tested against numbers nobody's code produced. Each call returns fresh objects, so a test
 * may mutate them.
 */

/**
 * VROOM's documented example (docs/API.md, "Using a routing engine"): 2 vehicles with breaks, 4 jobs, 1 shipment,
 * coordinates only.
 */
export function vroomDocsExample(): unknown {
  return {
    vehicles: [
      { id: 1, start: [2.35044, 48.71764], end: [2.35044, 48.71764], capacity: [4], skills: [1, 14], time_window: [28800, 43200], breaks: [{ id: 1, service: 300, time_windows: [[32400, 34200]] }] },
      { id: 2, start: [2.35044, 48.71764], end: [2.35044, 48.71764], capacity: [4], skills: [2, 14], time_window: [28800, 43200], breaks: [{ id: 2, service: 300, time_windows: [[34200, 36000]] }] },
    ],
    jobs: [
      { id: 1, service: 300, delivery: [1], location: [1.98935, 48.701], skills: [1], time_windows: [[32400, 36000]] },
      { id: 2, service: 300, pickup: [1], location: [2.03655, 48.61128], skills: [1] },
      { id: 5, service: 300, delivery: [1], location: [2.28325, 48.5958], skills: [14] },
      { id: 6, service: 300, delivery: [1], location: [2.89357, 48.90736], skills: [14] },
    ],
    shipments: [
      {
        amount: [1],
        skills: [2],
        pickup: { id: 4, service: 300, location: [2.41808, 49.22619] },
        delivery: { id: 3, service: 300, location: [2.39719, 49.07611] },
      },
    ],
  };
}

/** Seconds between the 5 places of the depot problem; index 0 is the depot. Distances are 10 m per second. */
const DURATIONS = [
  [0, 600, 900, 1200, 700],
  [600, 0, 400, 800, 500],
  [900, 400, 0, 500, 600],
  [1200, 800, 500, 0, 900],
  [700, 500, 600, 900, 0],
];

/**
 * A morning round from one depot with custom matrices: two amount dimensions (parcels, pallets), skills, job and
 * vehicle time windows, a break with max_load, a shipment, setup times, max_tasks and max_travel_time.
 */
export function depotProblem(): VroomInput {
  return {
    vehicles: [
      {
        id: 1,
        start_index: 0,
        end_index: 0,
        capacity: [10, 5],
        skills: [1, 2],
        time_window: [28800, 43200],
        breaks: [{ id: 10, service: 600, time_windows: [[32400, 34200]], max_load: [10, 5] }],
        max_tasks: 4,
      },
      { id: 2, start_index: 0, end_index: 0, capacity: [10, 5], skills: [1], time_window: [28800, 43200], max_travel_time: 7200 },
    ],
    jobs: [
      { id: 101, location_index: 1, setup: 60, service: 300, delivery: [3, 1], skills: [1], time_windows: [[29000, 30600]] },
      { id: 102, location_index: 2, service: 300, pickup: [2, 0], skills: [2], time_windows: [[30000, 36000]] },
      { id: 103, location_index: 4, setup: 120, service: 600, delivery: [4, 2], skills: [1], priority: 5 },
      { id: 104, location_index: 3, service: 300, skills: [3] },
      { id: 105, location_index: 4, setup: 100, service: 60 },
    ],
    shipments: [
      {
        amount: [1, 1],
        pickup: { id: 201, location_index: 3, service: 120 },
        delivery: { id: 202, location_index: 1, setup: 30, service: 120 },
      },
    ],
    matrices: {
      car: { durations: DURATIONS.map((row) => [...row]), distances: DURATIONS.map((row) => row.map((s) => s * 10)) },
    },
  };
}

/** A correct solution of depotProblem(); job 104 needs skill 3, which no vehicle has. */
export function depotSolution(): VroomSolution {
  return {
    code: 0,
    summary: {
      cost: 4300, routes: 2, unassigned: 1, setup: 210, service: 2100, duration: 4300, waiting_time: 1940, priority: 5,
      delivery: [8, 4], pickup: [3, 1], distance: 43000, violations: [], computing_times: { loading: 0, solving: 0 },
    },
    unassigned: [{ id: 104, type: 'job', location_index: 3 }],
    routes: [
      {
        vehicle: 1, cost: 2900, setup: 90, service: 1440, duration: 2900, waiting_time: 1940, priority: 0,
        delivery: [4, 2], pickup: [3, 1], distance: 29000, violations: [],
        steps: [
          // Jobs' deliveries on board: 101 [3,1].
          { type: 'start', location_index: 0, arrival: 28800, duration: 0, distance: 0, setup: 0, service: 0, waiting_time: 0, load: [3, 1], violations: [] },
          // 28800 + 600; from the depot, so setup 60; leaves 29400 + 60 + 300 = 29760.
          { type: 'job', id: 101, location_index: 1, arrival: 29400, duration: 600, distance: 6000, setup: 60, service: 300, waiting_time: 0, load: [0, 0], violations: [] },
          // 29760 + 400; leaves 30460.
          { type: 'job', id: 102, location_index: 2, arrival: 30160, duration: 1000, distance: 10000, setup: 0, service: 300, waiting_time: 0, load: [2, 0], violations: [] },
          // Break at the same place: waits 32400 - 30460 = 1940, leaves 32400 + 600 = 33000.
          { type: 'break', id: 10, arrival: 30460, duration: 1000, distance: 10000, setup: 0, service: 600, waiting_time: 1940, load: [2, 0], violations: [] },
          // 33000 + 500; leaves 33620.
          { type: 'pickup', id: 201, location_index: 3, arrival: 33500, duration: 1500, distance: 15000, setup: 0, service: 120, waiting_time: 0, load: [3, 1], violations: [] },
          // 33620 + 800; setup 30 (from place 3); leaves 34420 + 30 + 120 = 34570.
          { type: 'delivery', id: 202, location_index: 1, arrival: 34420, duration: 2300, distance: 23000, setup: 30, service: 120, waiting_time: 0, load: [2, 0], violations: [] },
          // 34570 + 600.
          { type: 'end', location_index: 0, arrival: 35170, duration: 2900, distance: 29000, setup: 0, service: 0, waiting_time: 0, load: [2, 0], violations: [] },
        ],
      },
      {
        vehicle: 2, cost: 1400, setup: 120, service: 660, duration: 1400, waiting_time: 0, priority: 5,
        delivery: [4, 2], pickup: [0, 0], distance: 14000, violations: [],
        steps: [
          { type: 'start', location_index: 0, arrival: 28800, duration: 0, distance: 0, setup: 0, service: 0, waiting_time: 0, load: [4, 2], violations: [] },
          // 28800 + 700; setup 120; leaves 29500 + 120 + 600 = 30220.
          { type: 'job', id: 103, location_index: 4, arrival: 29500, duration: 700, distance: 7000, setup: 120, service: 600, waiting_time: 0, load: [0, 0], violations: [] },
          // Same place: no travel and no setup; leaves 30220 + 60 = 30280.
          { type: 'job', id: 105, location_index: 4, arrival: 30220, duration: 700, distance: 7000, setup: 0, service: 60, waiting_time: 0, load: [0, 0], violations: [] },
          // 30280 + 700.
          { type: 'end', location_index: 0, arrival: 30980, duration: 1400, distance: 14000, setup: 0, service: 0, waiting_time: 0, load: [0, 0], violations: [] },
        ],
      },
    ],
  };
}
