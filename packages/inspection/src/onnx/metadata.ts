/**
 * Reads the small header fields of an ONNX model — above all `metadata_props`, where Ultralytics stores class names,
 * input size and task — without decoding the graph. A ModelProto's weights sit inside field 7 (graph), a single
 * length-delimited field, so scanning the top-level fields and skipping by wire type touches a few dozen bytes even
 * for a 100+ MB model (protobuf encoding: https://protobuf.dev/programming-guides/encoding/).
 */
import { open } from 'node:fs/promises';
import { OnnxInvalid } from '../model/errors.js';

/** ModelProto field numbers (onnx.proto3). */
const F_IR_VERSION = 1;
const F_PRODUCER_NAME = 2;
const F_PRODUCER_VERSION = 3;
const F_METADATA_PROPS = 14;
/** StringStringEntryProto field numbers. */
const F_KEY = 1;
const F_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export interface OnnxHeader {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  /** metadata_props in file order; a later duplicate key wins. */
  metadata: Record<string, string>;
}

/** Thrown by the scanners below; callers turn it into `OnnxInvalid` with the file name. */
class Malformed extends Error {}

const utf8 = new TextDecoder('utf-8');

/**
 * A varint at `pos`: value and the position after it. Arithmetic instead of bit shifts keeps lengths above 2³¹
 * (models over 2 GB) exact up to 2⁵³.
 */
function readVarint(buf: Uint8Array, pos: number, end: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Malformed('truncated varint');
    const b = buf[pos++] as number;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { value, next: pos };
    mul *= 128;
  }
  throw new Malformed('varint longer than 10 bytes');
}

function parseEntry(buf: Uint8Array, start: number, end: number): { key: string; value: string } {
  let key = '';
  let value = '';
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (wire === WIRE_LEN) {
      const len = readVarint(buf, pos, end);
      const s = len.next;
      pos = s + len.value;
      if (pos > end) throw new Malformed('truncated metadata entry');
      if (field === F_KEY) key = utf8.decode(buf.subarray(s, pos));
      else if (field === F_VALUE) value = utf8.decode(buf.subarray(s, pos));
    } else {
      pos = skip(buf, pos, end, wire);
    }
  }
  return { key, value };
}

function skip(buf: Uint8Array, pos: number, end: number, wire: number): number {
  switch (wire) {
    case WIRE_VARINT:
      return readVarint(buf, pos, end).next;
    case WIRE_I64:
      return pos + 8;
    case WIRE_I32:
      return pos + 4;
    case WIRE_LEN: {
      const len = readVarint(buf, pos, end);
      return len.next + len.value;
    }
    default:
      throw new Malformed(`unsupported protobuf wire type ${wire} (not an ONNX model?)`);
  }
}

function rethrow(err: unknown, what: string): never {
  if (err instanceof Malformed) throw OnnxInvalid([what, err.message], { cause: err });
  throw err;
}

/** Header of an ONNX model held in memory; `what` names it in errors. */
export function readOnnxHeader(bytes: Uint8Array, what = 'the model'): OnnxHeader {
  try {
    return scanHeader(bytes);
  } catch (err) {
    return rethrow(err, what);
  }
}

function scanHeader(bytes: Uint8Array): OnnxHeader {
  const header: OnnxHeader = { metadata: {} };
  const end = bytes.length;
  let pos = 0;
  while (pos < end) {
    const tag = readVarint(bytes, pos, end);
    pos = tag.next;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === F_IR_VERSION && wire === WIRE_VARINT) {
      const v = readVarint(bytes, pos, end);
      header.irVersion = v.value;
      pos = v.next;
    } else if (wire === WIRE_LEN && (field === F_METADATA_PROPS || field === F_PRODUCER_NAME || field === F_PRODUCER_VERSION)) {
      const len = readVarint(bytes, pos, end);
      const s = len.next;
      pos = s + len.value;
      if (pos > end) throw new Malformed(`field ${field} runs past the end of the model`);
      if (field === F_METADATA_PROPS) {
        const e = parseEntry(bytes, s, pos);
        header.metadata[e.key] = e.value;
      } else if (field === F_PRODUCER_NAME) header.producerName = utf8.decode(bytes.subarray(s, pos));
      else header.producerVersion = utf8.decode(bytes.subarray(s, pos));
    } else {
      pos = skip(bytes, pos, end, wire);
    }
    if (pos > end) throw new Malformed(`field ${field} runs past the end of the model`);
  }
  return header;
}

/**
 * Header of an ONNX model file, reading only the tags and the wanted fields (a few small reads, whatever the file
 * size): the graph with its weights is skipped by seeking over its length.
 */
export async function readOnnxHeaderFile(path: string): Promise<OnnxHeader> {
  try {
    return await scanHeaderFile(path);
  } catch (err) {
    return rethrow(err, path);
  }
}

async function scanHeaderFile(path: string): Promise<OnnxHeader> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const header: OnnxHeader = { metadata: {} };
    const scratch = Buffer.allocUnsafe(20);
    let pos = 0;
    // Reads up to 20 bytes at `at` (two varints at most: a tag and a length).
    const peek = async (at: number) => {
      const { bytesRead } = await fh.read(scratch, 0, Math.min(20, size - at), at);
      return scratch.subarray(0, bytesRead);
    };
    const readBytes = async (at: number, len: number) => {
      const b = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(b, 0, len, at);
      if (bytesRead !== len) throw new Malformed('truncated model file');
      return b;
    };
    while (pos < size) {
      const head = await peek(pos);
      const tag = readVarint(head, 0, head.length);
      const field = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      let p = tag.next;
      if (wire === WIRE_VARINT) {
        const v = readVarint(head, p, head.length);
        if (field === F_IR_VERSION) header.irVersion = v.value;
        pos += v.next;
      } else if (wire === WIRE_I64) pos += p + 8;
      else if (wire === WIRE_I32) pos += p + 4;
      else if (wire === WIRE_LEN) {
        const len = readVarint(head, p, head.length);
        p = len.next;
        const start = pos + p;
        pos = start + len.value;
        if (pos > size) throw new Malformed(`field ${field} runs past the end of the model`);
        if (field === F_METADATA_PROPS) {
          const body = await readBytes(start, len.value);
          const e = parseEntry(body, 0, body.length);
          header.metadata[e.key] = e.value;
        } else if (field === F_PRODUCER_NAME) header.producerName = utf8.decode(await readBytes(start, len.value));
        else if (field === F_PRODUCER_VERSION) header.producerVersion = utf8.decode(await readBytes(start, len.value));
      } else throw new Malformed(`unsupported protobuf wire type ${wire} (not an ONNX model?)`);
    }
    return header;
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ultralytics metadata: `names` is str(dict) of a Python dict, `imgsz` str(list), `task` a plain string.

/** Tokens of the Python literal subset Ultralytics writes: ints, quoted strings, and `{}[]:,` punctuation. */
function* pyTokens(src: string): Generator<{ t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'punct'; v: string }> {
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
    } else if ('{}[]:,()'.includes(c)) {
      yield { t: 'punct', v: c };
      i++;
    } else if (c === "'" || c === '"') {
      let out = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new SyntaxError('unterminated string');
        const d = src[i] as string;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          i += 2;
          if (e === 'n') out += '\n';
          else if (e === 't') out += '\t';
          else if (e === 'r') out += '\r';
          else if (e === 'x' || e === 'u' || e === 'U') {
            const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
            out += String.fromCodePoint(parseInt(src.slice(i, i + n), 16));
            i += n;
          } else out += e ?? '';
        } else {
          out += d;
          i++;
        }
      }
      yield { t: 'str', v: out };
    } else {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new SyntaxError(`unexpected '${c}' at ${i}`);
      yield { t: 'num', v: Number(m[0]) };
      i += m[0].length;
    }
  }
}

/**
 * Class names from Ultralytics' `names` ({0: 'person', 1: "it's"}), indexed by class id. Ids missing from the dict
 * become `class_<id>`. A JSON-style list (`['a', 'b']`) is accepted too. Returns null when the text is not such a
 * literal.
 */
export function parseUltralyticsNames(text: string): string[] | null {
  try {
    const toks = [...pyTokens(text)];
    const first = toks[0];
    if (first?.t === 'punct' && first.v === '[') {
      const names = toks.filter((t) => t.t === 'str').map((t) => t.v as string);
      return names.length > 0 ? names : null;
    }
    if (first?.t !== 'punct' || first.v !== '{') return null;
    const byId = new Map<number, string>();
    for (let i = 1; i + 2 < toks.length; ) {
      const k = toks[i];
      const colon = toks[i + 1];
      const v = toks[i + 2];
      if (k?.t !== 'num' || colon?.t !== 'punct' || colon.v !== ':' || v?.t !== 'str') return null;
      byId.set(k.v, v.v);
      i += 3;
      const sep = toks[i];
      if (sep?.t === 'punct' && sep.v === ',') i++;
      else if (sep?.t === 'punct' && sep.v === '}') break;
      else return null;
    }
    if (byId.size === 0) return null;
    const n = Math.max(...byId.keys()) + 1;
    return Array.from({ length: n }, (_, id) => byId.get(id) ?? `class_${id}`);
  } catch {
    return null;
  }
}

/** Ultralytics `imgsz` ("[640, 640]" = [height, width], or a single "640") as { width, height }, or null. */
export function parseUltralyticsImgsz(text: string): { width: number; height: number } | null {
  try {
    const nums = [...pyTokens(text)].filter((t) => t.t === 'num').map((t) => t.v as number);
    if (nums.length === 1 && (nums[0] as number) > 0) return { width: nums[0] as number, height: nums[0] as number };
    if (nums.length === 2 && (nums[0] as number) > 0 && (nums[1] as number) > 0) {
      return { height: nums[0] as number, width: nums[1] as number };
    }
    return null;
  } catch {
    return null;
  }
}

export interface UltralyticsMetadata {
  names?: string[];
  imgsz?: { width: number; height: number };
  /** 'detect', 'classify', 'segment', 'pose', 'obb' as Ultralytics writes it. */
  task?: string;
}

/** The Ultralytics keys of a model's metadata that the detector uses; unknown or malformed values are left out. */
export function ultralyticsMetadata(metadata: Readonly<Record<string, string>>): UltralyticsMetadata {
  const out: UltralyticsMetadata = {};
  const names = metadata['names'] === undefined ? null : parseUltralyticsNames(metadata['names']);
  if (names) out.names = names;
  const imgsz = metadata['imgsz'] === undefined ? null : parseUltralyticsImgsz(metadata['imgsz']);
  if (imgsz) out.imgsz = imgsz;
  const task = metadata['task']?.trim();
  if (task) out.task = task;
  return out;
}
