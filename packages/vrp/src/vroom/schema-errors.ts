import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

/**
 * TypeBox's first schema error, worded like VROOM's messages: "Invalid <field> value for <entity>: <why>", where the
 * entity is named the way a user knows it ("job 7", "break 2 of vehicle 1") rather than by array rank.
 */

export interface InputProblem {
  message: string;
  /** JSON pointer (RFC 6901) to the offending value; '' for the whole input. */
  path: string;
}

export function describeSchemaError(root: unknown, error: ValueError): InputProblem {
  const segments = error.path.split('/').slice(1).map(unescapePointer);
  const { entity, consumed } = entityAt(root, segments);
  const field = segments.slice(consumed).find((s) => !/^\d+$/.test(s));
  const detail = lowerFirst(error.message);
  let message: string;
  if (entity === '') {
    message = field === undefined ? `Invalid input: ${detail}.` : `Invalid ${field}: ${detail}.`;
  } else if (field === undefined) {
    message = `Invalid ${entity}: ${detail}.`;
  } else if (error.type === ValueErrorType.ObjectRequiredProperty) {
    message = `Invalid or missing ${field} for ${entity}.`;
  } else {
    message = `Invalid ${field} value for ${entity}: ${detail}.`;
  }
  return { message, path: error.path };
}

/** Names the object a JSON path points into ("job 7", "break 2 of vehicle 1") and how many segments that took. */
function entityAt(root: unknown, segments: string[]): { entity: string; consumed: number } {
  const [top, rank, sub, subRank] = segments;
  if (rank === undefined || !/^\d+$/.test(rank)) {
    if (top === 'matrices' && rank !== undefined) {
      return sub === undefined ? { entity: `matrices of ${rank} profile`, consumed: 2 } : { entity: `${sub} matrix for ${rank} profile`, consumed: 3 };
    }
    return { entity: '', consumed: 0 };
  }
  const item = child(child(root, top), rank);
  const name = (kind: string, obj: unknown, index: string): string => {
    const id = child(obj, 'id');
    return typeof id === 'number' && Number.isInteger(id) ? `${kind} ${id}` : `${kind} at index ${index}`;
  };
  switch (top) {
    case 'jobs':
      return { entity: name('job', item, rank), consumed: 2 };
    case 'shipments':
      if ((sub === 'pickup' || sub === 'delivery') && segments.length > 3) return { entity: name(sub, child(item, sub), rank), consumed: 3 };
      return { entity: `shipment at index ${rank}`, consumed: 2 };
    case 'vehicles': {
      const vehicle = name('vehicle', item, rank);
      if (sub === 'breaks' && subRank !== undefined) return { entity: `${name('break', child(child(item, 'breaks'), subRank), subRank)} of ${vehicle}`, consumed: 4 };
      if (sub === 'steps' && subRank !== undefined) return { entity: `step ${subRank} of ${vehicle}`, consumed: 4 };
      return { entity: vehicle, consumed: 2 };
    }
    default:
      return { entity: '', consumed: 0 };
  }
}

function child(value: unknown, key: string | undefined): unknown {
  if (key === undefined || value === null || typeof value !== 'object') return undefined;
  return (value as Record<string, unknown>)[key];
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
