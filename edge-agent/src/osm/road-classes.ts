/**
 * Which OSM ways a truck may drive on, and how fast when the way carries no `maxspeed`.
 * Defaults are urban European limits in km/h (https://wiki.openstreetmap.org/wiki/Key:highway).
 */
export const ROAD_CLASSES = [
  'motorway',
  'motorway_link',
  'trunk',
  'trunk_link',
  'primary',
  'primary_link',
  'secondary',
  'secondary_link',
  'tertiary',
  'tertiary_link',
  'unclassified',
  'residential',
  'living_street',
  'service',
] as const;
export type RoadClass = (typeof ROAD_CLASSES)[number];

const DEFAULT_SPEED_KMH: Record<RoadClass, number> = {
  motorway: 90,
  motorway_link: 50,
  trunk: 70,
  trunk_link: 40,
  primary: 50,
  primary_link: 40,
  secondary: 50,
  secondary_link: 30,
  tertiary: 40,
  tertiary_link: 30,
  unclassified: 30,
  residential: 30,
  living_street: 10,
  service: 15,
};

const classIndex = new Map<string, number>(ROAD_CLASSES.map((c, i) => [c, i]));

/** Index into ROAD_CLASSES, or -1 when trucks do not drive on this highway value. */
export function roadClassIndex(highway: string | undefined): number {
  return highway === undefined ? -1 : (classIndex.get(highway) ?? -1);
}

export function roadClassName(index: number): RoadClass {
  const name = ROAD_CLASSES[index];
  if (name === undefined) throw new RangeError(`no road class ${index}`);
  return name;
}

export function defaultSpeedKmh(roadClass: RoadClass): number {
  return DEFAULT_SPEED_KMH[roadClass];
}

/** Classes a customer site can sit on: not fast through-roads, where nobody parks a truck for a job. */
export function isSiteFriendly(classIndexValue: number): boolean {
  const c = ROAD_CLASSES[classIndexValue];
  return c === 'residential' || c === 'service' || c === 'unclassified' || c === 'living_street' || c === 'tertiary' || c === 'secondary';
}

const MPH_TO_KMH = 1.609344;
/** Implicit limits (`FR:urban`...) by their zone suffix (https://wiki.openstreetmap.org/wiki/Default_speed_limits). */
const IMPLICIT_KMH: Record<string, number> = { urban: 50, rural: 80, motorway: 130, trunk: 110, living_street: 20, walk: 7, zone30: 30 };

/**
 * `maxspeed` in km/h, or null when absent or unusable (`none`, `signals`, `variable`...). Handles `50`, `30 mph`,
 * `FR:urban`, `walk` and `50;30` (the first value applies to the way as a whole).
 */
export function parseMaxspeedKmh(value: string | undefined): number | null {
  if (value === undefined) return null;
  const first = (value.split(';')[0] ?? '').trim().toLowerCase();
  const numeric = /^(\d+(?:\.\d+)?)\s*(mph|km\/h|kmh)?$/.exec(first);
  if (numeric) {
    const n = Number(numeric[1]);
    if (!(n > 0)) return null;
    return numeric[2] === 'mph' ? n * MPH_TO_KMH : n;
  }
  const zone = first.includes(':') ? first.slice(first.indexOf(':') + 1) : first;
  return IMPLICIT_KMH[zone] ?? null;
}

export type OnewayDirection = 'both' | 'forward' | 'backward' | 'skip';

/**
 * Direction(s) in which a way may be driven. Roundabouts and motorways are one-way by default
 * (https://wiki.openstreetmap.org/wiki/Key:oneway#Implied_oneway_restriction). `reversible` ways change direction
 * by time of day; a static graph cannot route over them, so they are skipped.
 */
export function onewayDirection(tags: { oneway?: string; junction?: string; highway?: string }): OnewayDirection {
  switch (tags.oneway) {
    case 'yes':
    case 'true':
    case '1':
      return 'forward';
    case '-1':
    case 'reverse':
      return 'backward';
    case 'no':
    case 'false':
    case '0':
      return 'both';
    case 'reversible':
    case 'alternating':
      return 'skip';
    default:
      if (tags.junction === 'roundabout' || tags.junction === 'circular') return 'forward';
      if (tags.highway === 'motorway') return 'forward';
      return 'both';
  }
}

/** `access`/`motor_vehicle` values that close a way to a contractor's truck. */
export function isClosedToTrucks(tags: { access?: string; motor_vehicle?: string; area?: string }): boolean {
  const closed = (v: string | undefined) => v === 'no' || v === 'private';
  if (tags.area === 'yes') return true;
  if (tags.motor_vehicle !== undefined) return closed(tags.motor_vehicle);
  return closed(tags.access);
}
