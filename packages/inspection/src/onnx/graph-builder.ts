/**
 * A small typed builder for ONNX models: initializers, nodes, typed graph inputs/outputs and metadata, encoded to
 * ModelProto bytes that onnxruntime can load. It exists so tests can make models with known outputs, the demo model
 * can be exported from tfjs weights, and the benchmark can build a YOLOv8n-shaped network — all without Python.
 *
 * Tensor data is written as `raw_data`, which ONNX defines as little-endian (onnx.proto3, TensorProto.raw_data);
 * every platform Node runs on for us (x64, arm64) is little-endian, so typed-array bytes are copied as they are.
 */
import { endianness } from 'node:os';
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX TensorProto.DataType codes for the element types the builder supports. */
const ELEM_TYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

/** A dimension: a fixed size, or a symbolic name (e.g. 'batch') that the runtime resolves per call. */
export type Dim = number | string;

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface TensorSpec {
  name: string;
  dims: readonly number[];
  data: TensorData;
  /** Needed only to tell uint8 from bool (both Uint8Array); inferred from the array type otherwise. */
  elemType?: ElemType;
}

/** Attribute values are tagged because ONNX distinguishes int from float (an `alpha` of 1 must be a FLOAT). */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: readonly string[] }
  | { kind: 'tensor'; value: Omit<TensorSpec, 'name'> & { name?: string } };

/** Constructors for attribute values: `{ kernel_shape: attr.ints([3, 3]), alpha: attr.float(1) }`. */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  strings: (value: readonly string[]): AttrValue => ({ kind: 'strings', value }),
  tensor: (dims: readonly number[], data: TensorData, elemType?: ElemType): AttrValue => ({
    kind: 'tensor',
    value: elemType === undefined ? { dims, data } : { dims, data, elemType },
  }),
};

export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttrValue>>;
  name?: string;
  /** Operator domain; '' (the default ONNX domain) when absent. */
  domain?: string;
}

export interface ValueSpec {
  name: string;
  shape: readonly Dim[];
  /** float32 when absent. */
  elemType?: ElemType;
}

export interface ModelSpec {
  graphName?: string;
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  nodes: readonly NodeSpec[];
  initializers?: readonly TensorSpec[];
  /** Default-domain opset version; 17 when absent. */
  opset?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Written to ModelProto.metadata_props, e.g. Ultralytics-style `names`, `imgsz`, `task`. */
  metadata?: Readonly<Record<string, string>>;
}

/** IR version 8 (ONNX 1.10) is the newest the bundled schema knows and covers opsets up to 17 and beyond in ORT. */
const IR_VERSION = 8;

function elemTypeOf(t: { data: TensorData; elemType?: ElemType }): ElemType {
  if (t.elemType !== undefined) return t.elemType;
  if (t.data instanceof Float32Array) return 'float32';
  if (t.data instanceof Int32Array) return 'int32';
  if (t.data instanceof BigInt64Array) return 'int64';
  if (t.data instanceof Int8Array) return 'int8';
  return 'uint8';
}

function tensorProto(name: string, t: { dims: readonly number[]; data: TensorData; elemType?: ElemType }): O.ITensorProto {
  if (endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian; a big-endian host is not supported');
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(`tensor '${name}': dims [${t.dims.join(', ')}] hold ${count} elements but data has ${t.data.length}`);
  }
  return {
    name,
    dims: [...t.dims],
    dataType: ELEM_TYPE[elemTypeOf(t)],
    rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  };
}

function attributeProto(name: string, a: AttrValue): O.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'string':
      return { name, type: T.STRING, s: Buffer.from(a.value, 'utf8') };
    case 'strings':
      return { name, type: T.STRINGS, strings: a.value.map((s) => Buffer.from(s, 'utf8')) };
    case 'tensor':
      return { name, type: T.TENSOR, t: tensorProto(a.value.name ?? name, a.value) };
  }
}

function valueInfo(v: ValueSpec): O.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[v.elemType ?? 'float32'],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Encodes a model description into ModelProto bytes (what `InferenceSession.create(bytes)` and `.onnx` files hold). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: O.IModelProto = {
    irVersion: IR_VERSION,
    producerName: spec.producerName ?? 'fieldtrace',
    producerVersion: spec.producerVersion ?? '0',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: spec.graphName ?? 'graph',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.opType}_${i}`,
        opType: n.opType,
        domain: n.domain ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attributeProto(k, v)),
      })),
      initializer: (spec.initializers ?? []).map((t) => tensorProto(t.name, t)),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  if (spec.docString !== undefined) model.docString = spec.docString;
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Incremental form of {@link encodeModel} for building networks layer by layer: `op()` names its outputs
 * uniquely and returns them, so layer helpers compose without the caller inventing tensor names.
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  private counter = 0;

  /** A unique tensor name with a readable prefix. */
  uniqueName(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, shape: readonly Dim[], elemType: ElemType = 'float32'): string {
    this.inputs.push({ name, shape, elemType });
    return name;
  }

  output(name: string, shape: readonly Dim[], elemType: ElemType = 'float32'): string {
    this.outputs.push({ name, shape, elemType });
    return name;
  }

  /** Adds a weight tensor; the name gets a unique suffix when `unique` (the default) so helpers can reuse prefixes. */
  initializer(name: string, dims: readonly number[], data: TensorData, opts: { elemType?: ElemType; unique?: boolean } = {}): string {
    const finalName = opts.unique === false ? name : this.uniqueName(name);
    const spec: TensorSpec = { name: finalName, dims, data };
    if (opts.elemType !== undefined) spec.elemType = opts.elemType;
    this.initializers.push(spec);
    return finalName;
  }

  /** Adds a node with explicit output names. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes?: Record<string, AttrValue>, opts: { name?: string; domain?: string } = {}): void {
    const spec: NodeSpec = { opType, inputs, outputs, name: opts.name ?? this.uniqueName(opType) };
    if (attributes !== undefined) spec.attributes = attributes;
    if (opts.domain !== undefined) spec.domain = opts.domain;
    this.nodes.push(spec);
  }

  /** Adds a single-output node and returns its generated output name. */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, AttrValue>): string {
    const out = this.uniqueName(opType.toLowerCase());
    this.node(opType, inputs, [out], attributes);
    return out;
  }

  /** Adds a node with `count` outputs and returns their generated names. */
  opMulti(opType: string, inputs: readonly string[], count: number, attributes?: Record<string, AttrValue>): string[] {
    const outs = Array.from({ length: count }, () => this.uniqueName(opType.toLowerCase()));
    this.node(opType, inputs, outs, attributes);
    return outs;
  }

  /** Total number of weight elements (parameters) added so far. */
  parameterCount(): number {
    return this.initializers.reduce((n, t) => n + t.data.length, 0);
  }

  encode(opts: Omit<ModelSpec, 'inputs' | 'outputs' | 'nodes' | 'initializers'> = {}): Uint8Array {
    return encodeModel({ ...opts, inputs: this.inputs, outputs: this.outputs, nodes: this.nodes, initializers: this.initializers });
  }
}
