/**
 * The safetensors format (huggingface/safetensors), byte-compatible with the reference writer.
 *
 *   bytes [0, 8)        N, u64 little-endian
 *   bytes [8, 8 + N)    UTF-8 JSON header, space-padded so that 8 + N is a multiple of 8:
 *                         { "__metadata__": { string: string },                   (optional)
 *                           "<name>": { "dtype": "F32", "shape": [2, 3],
 *                                       "data_offsets": [b, e] }, ... }
 *   bytes [8 + N, end)  the data section; tensor `name` is its bytes [b, e), little-endian,
 *                       C order. Offsets tile the section exactly: no holes, no overlap, no tail.
 *
 * Like the reference writer, tensors are laid out by descending dtype alignment (8-byte types
 * first) and then by name, so every tensor starts at a multiple of its element size in the file;
 * `__metadata__` comes first in the header and is omitted when empty. Same inputs give the same
 * bytes as the reference (checked against the test vectors in its `tensor.rs`), up to the order
 * of `__metadata__` keys: the reference's is a hash map's, ours is sorted.
 *
 * encode/decode are pure and work in the browser; save/load reach `node:fs` lazily.
 */

/** The dtypes this library reads and writes as themselves. */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'I64' | 'U8';

/**
 * One tensor as stored in a safetensors file: a dtype, a shape, and its elements in C order.
 * `data.length` must equal the product of `shape` (1 for the scalar shape `[]`), and the array
 * type must match the dtype: F32 → Float32Array, F64 → Float64Array, I32 → Int32Array,
 * I64 → BigInt64Array, U8 → Uint8Array.
 *
 * @example
 * const w: NamedTensor = { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) };
 */
export interface NamedTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

/**
 * A malformed or unsupported safetensors file. `message` is `"<file>: <what>"`, where `<what>`
 * says what was expected and what was found; `file` is the path (or `'<buffer>'`).
 *
 * @example
 * try { await loadSafetensors('m.safetensors'); }
 * catch (e) { if (e instanceof FormatError) console.error(e.message); else throw e; }
 */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  /** Path of the offending file, or the `source` label given to the decoder. */
  readonly file: string;
  /** The message without the file prefix. */
  readonly detail: string;

  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.file = file;
    this.detail = detail;
  }
}

/** The reference reader refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

type ArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor;

const NATIVE: Record<SafetensorsDType, ArrayCtor> = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  I64: BigInt64Array,
  U8: Uint8Array,
};

// Every dtype of the format, in the reference's increasing-alignment order (its `Dtype` enum,
// whose order the writer sorts by), with its size in bytes. Sub-byte types have no byte size.
const SPEC_DTYPES: readonly (readonly [string, number | null])[] = [
  ['BOOL', 1],
  ['F4', null],
  ['F6_E2M3', null],
  ['F6_E3M2', null],
  ['U8', 1],
  ['I8', 1],
  ['F8_E5M2', 1],
  ['F8_E4M3', 1],
  ['F8_E8M0', 1],
  ['I16', 2],
  ['U16', 2],
  ['F16', 2],
  ['BF16', 2],
  ['I32', 4],
  ['U32', 4],
  ['F32', 4],
  ['C64', 8],
  ['F64', 8],
  ['I64', 8],
  ['U64', 8],
];
const RANK = new Map(SPEC_DTYPES.map(([d], i) => [d, i]));
const SIZE = new Map(SPEC_DTYPES.map(([d, s]) => [d, s]));

/** Dtypes read as themselves, plus F16/BF16, which are widened to F32. */
type ReadableDType = SafetensorsDType | 'F16' | 'BF16';
const READABLE: readonly ReadableDType[] = ['F32', 'F64', 'I32', 'I64', 'U8', 'F16', 'BF16'];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// The format is little-endian and we copy bytes straight into typed arrays, which use host order.
// (Probed with a typed array rather than `os.endianness()` so this module also runs in browsers.)
function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new Error('safetensors: big-endian hosts are not supported (the format is LE)');
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

// Plain assignment would treat a tensor named "__proto__" as a prototype change.
function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

// Rust's String order (the reference writer's) is UTF-8 byte order, which is code-point order;
// JS `<` compares UTF-16 code units, which disagrees above U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

// A lone surrogate survives JSON.stringify as "\udXXX", which the reference reader rejects.
const LONE_SURROGATE = /\p{Cs}/u;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'object';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Serializes tensors and string metadata to safetensors bytes.
 *
 * Layout: tensors sorted by descending dtype size, then by name (as the reference writer), so
 * each tensor's data is aligned to its element size within the file; the header is compact JSON
 * with `__metadata__` first (omitted when empty), space-padded to a multiple of 8 bytes.
 * Throws an Error naming the tensor on a bad dtype, shape, array type or length.
 *
 * @param tensors name → tensor; names are free-form strings (PyTorch `state_dict` keys here),
 *   except the reserved `"__metadata__"`.
 * @param metadata string → string; non-string values are rejected (serialize them to JSON first).
 * @example
 * const bytes = encodeSafetensors(
 *   { 'rnn.weight_ih_l0': { dtype: 'F32', shape: [4 * H, I], data: wIh } },
 *   { config: JSON.stringify(config) },
 * );
 */
export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  assertLittleEndian();
  const names = Object.keys(tensors);
  for (const name of names) checkTensor(name, tensors[name]);
  const metaKeys = Object.keys(metadata).sort(compareCodePoints);
  for (const key of metaKeys) {
    const v: unknown = metadata[key];
    if (typeof v !== 'string') {
      throw new Error(`safetensors: metadata["${key}"]: expected a string, got ${describe(v)}`);
    }
    if (LONE_SURROGATE.test(key) || LONE_SURROGATE.test(v)) {
      throw new Error(`safetensors: metadata["${key}"]: contains an unpaired UTF-16 surrogate`);
    }
  }

  names.sort(
    (a, b) =>
      RANK.get(tensors[b]!.dtype)! - RANK.get(tensors[a]!.dtype)! || compareCodePoints(a, b),
  );

  // Written by hand rather than JSON.stringify(object) to fix the key order (and so that a
  // tensor called "__proto__" is just a name). JSON.stringify's string escaping matches serde_json.
  const parts: string[] = [];
  if (metaKeys.length > 0) {
    const entries = metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`"__metadata__":{${entries.join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const end = offset + t.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],` +
        `"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = utf8Encoder.encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let pos = 8 + n;
  for (const name of names) {
    const d = tensors[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

function checkTensor(name: string, t: NamedTensor | undefined): void {
  const where = `safetensors: tensor '${name}'`;
  if (name === '__metadata__') throw new Error(`${where}: the name "__metadata__" is reserved`);
  if (LONE_SURROGATE.test(name)) throw new Error(`${where}: name has an unpaired UTF-16 surrogate`);
  if (typeof t !== 'object' || t === null) {
    throw new Error(`${where}: expected { dtype, shape, data }, got ${describe(t)}`);
  }
  const ctor = hasOwn(NATIVE, t.dtype) ? NATIVE[t.dtype] : undefined;
  if (!ctor) {
    const expected = Object.keys(NATIVE).join(', ');
    throw new Error(`${where}: expected dtype one of ${expected}, got ${describe(t.dtype)}`);
  }
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) {
    throw new Error(
      `${where}: expected shape to be an array of non-negative integers, got ${describe(t.shape)}`,
    );
  }
  if (!(t.data instanceof ctor)) {
    const got = (t.data as object | null)?.constructor?.name ?? describe(t.data);
    throw new Error(`${where}: expected ${ctor.name} data for dtype ${t.dtype}, got ${got}`);
  }
  const n = product(t.shape);
  if (t.data.length !== n) {
    throw new Error(
      `${where}: shape [${t.shape.join(', ')}] needs ${n} elements, got ${t.data.length}`,
    );
  }
}

interface Entry {
  name: string;
  dtype: ReadableDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes, validating everything before reading any tensor data.
 *
 * Each tensor's data is copied into a fresh, aligned typed array (the input may be any view,
 * e.g. a pooled Node Buffer). F16 and BF16 tensors are widened to `dtype: 'F32'`, exactly (every
 * half and bfloat16 value is a float32). Other dtypes of the format (BOOL, I8, U16, F8_*, ...)
 * are rejected. A missing `__metadata__` gives `{}`.
 *
 * Any malformation throws a {@link FormatError} `"<source>: <what>"`: a file shorter than 8
 * bytes, a file of another kind ("not a safetensors file: … starts with …": a header length that
 * cannot fit and no '{' at byte 8), a header length past the end ("truncated: header says N bytes,
 * file has M"), a header
 * that is not UTF-8 JSON object, an entry missing dtype/shape/data_offsets, an unknown dtype, a
 * byte span that disagrees with shape × dtype size, data past the end ("truncated: tensor 'x'
 * needs bytes [a, b) but the data section has c bytes"), overlapping offsets, holes, trailing
 * bytes, non-string metadata.
 *
 * @param source file name for error messages.
 * @example
 * const { tensors, metadata } = decodeSafetensors(new Uint8Array(await res.arrayBuffer()), url);
 * const config = JSON.parse(metadata.config!);
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = '<buffer>',
): { tensors: Record<string, NamedTensor>; metadata: Record<string, string> } {
  assertLittleEndian();
  const fail = (what: string): never => {
    throw new FormatError(source, what);
  };

  if (bytes.length < 8) {
    fail(
      `file is ${bytes.length} bytes, expected at least 8 (the u64 little-endian header length)`,
    );
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  // A header that cannot fit, and no '{' where it should start: some other kind of file (a text
  // file given as --model, say), not a cut one; saying "truncated: header says 7.4e17 bytes"
  // would mislead.
  if ((n64 > BigInt(bytes.length - 8) || n64 > BigInt(MAX_HEADER_BYTES)) && bytes.length > 8 && bytes[8] !== 0x7b) {
    const start = Array.from(bytes.subarray(0, 24), (b) => String.fromCharCode(b)).join('');
    fail(`not a safetensors file: expected an 8-byte header length and then a JSON header starting with '{', but the file starts with ${JSON.stringify(start)}`);
  }
  if (n64 > BigInt(bytes.length - 8)) {
    fail(
      `truncated: header says ${n64} bytes, file has ${bytes.length} ` +
        `(expected at least ${n64 + 8n}: 8-byte length + header)`,
    );
  }
  const n = Number(n64);
  if (n > MAX_HEADER_BYTES) {
    fail(`header is ${n} bytes, expected at most ${MAX_HEADER_BYTES} (the reference's limit)`);
  }

  let text = '';
  try {
    text = utf8Decoder.decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) {
    const start = JSON.stringify(text.slice(0, 20));
    fail(`header is not valid JSON: expected an object starting with '{', got ${start}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header is not valid JSON: expected an object, got ${describe(header)}`);
  }
  const head = header as Record<string, unknown>;
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  if (hasOwn(head, '__metadata__')) {
    const m = head['__metadata__'];
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      fail(`__metadata__: expected an object of strings, got ${describe(m)}`);
    }
    for (const [k, v] of Object.entries(m as object)) {
      if (typeof v !== 'string') {
        fail(`__metadata__["${k}"]: expected a string, got ${describe(v)}`);
      }
      setOwn(metadata, k, v as string);
    }
  }

  const entries: Entry[] = [];
  for (const name of Object.keys(head)) {
    if (name === '__metadata__') continue;
    entries.push(parseEntry(name, head[name], dataLen, fail));
  }

  // The reference requires the offsets, in offset order, to tile [0, dataLen) exactly.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < covered) {
      fail(
        `tensor '${e.name}' bytes [${e.begin}, ${e.end}) overlap tensor '${prev!.name}' ` +
          `[${prev!.begin}, ${prev!.end}); expected contiguous data_offsets`,
      );
    }
    if (e.begin > covered) {
      fail(
        `hole in the data section: bytes [${covered}, ${e.begin}) belong to no tensor ` +
          `(tensor '${e.name}' starts at ${e.begin}); expected contiguous data_offsets from 0`,
      );
    }
    covered = e.end;
    prev = e;
  }
  if (covered < dataLen) {
    fail(
      `${dataLen - covered} trailing bytes: the data section has ${dataLen} bytes but the ` +
        `tensors cover only [0, ${covered})`,
    );
  }

  const tensors: Record<string, NamedTensor> = {};
  for (const e of entries) {
    setOwn(tensors, e.name, readTensor(e, bytes.subarray(dataStart + e.begin, dataStart + e.end)));
  }
  return { tensors, metadata };
}

function parseEntry(
  name: string,
  raw: unknown,
  dataLen: number,
  fail: (what: string) => never,
): Entry {
  const where = `tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(`${where}: expected an object with dtype, shape, data_offsets, got ${describe(raw)}`);
  }
  const info = raw as Record<string, unknown>;
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!hasOwn(info, field)) {
      fail(`${where}: missing "${field}" (expected dtype, shape, data_offsets)`);
    }
  }
  const { dtype, shape, data_offsets: offsets } = info;

  if (typeof dtype !== 'string' || !SIZE.has(dtype)) {
    const known = [...SIZE.keys()].join(', ');
    fail(`${where}: unknown dtype ${describe(dtype)} (expected one of ${known})`);
  }
  if (!(READABLE as readonly string[]).includes(dtype as string)) {
    fail(`${where}: unsupported dtype "${dtype}" (expected one of ${READABLE.join(', ')})`);
  }
  const dt = dtype as ReadableDType;
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(
      `${where}: expected shape to be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  const dims = shape as number[];
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isCount) ||
    offsets[0] > offsets[1]
  ) {
    fail(
      `${where}: expected data_offsets [begin, end] with 0 <= begin <= end, ` +
        `got ${describe(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const need = product(dims) * SIZE.get(dt)!;
  if (end - begin !== need) {
    fail(
      `${where}: shape [${dims.join(', ')}] of ${dt} needs ${need} bytes, but data_offsets ` +
        `[${begin}, ${end}] span ${end - begin}`,
    );
  }
  if (end > dataLen) {
    fail(
      `truncated: tensor '${name}' needs bytes [${begin}, ${end}) ` +
        `but the data section has ${dataLen} bytes`,
    );
  }
  return { name, dtype: dt, shape: dims, begin, end };
}

function readTensor(e: Entry, raw: Uint8Array): NamedTensor {
  const shape = [...e.shape];
  if (e.dtype === 'F16' || e.dtype === 'BF16') {
    return { dtype: 'F32', shape, data: widen16(raw, e.dtype) };
  }
  // A fresh ArrayBuffer at offset 0 aligns every view type. (Not raw.slice(): on a Node Buffer
  // that is a view, not a copy.)
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return { dtype: e.dtype, shape, data: new NATIVE[e.dtype](copy.buffer) };
}

/** F16 or BF16 little-endian bytes → Float32Array (exact: both are subsets of float32). */
function widen16(raw: Uint8Array, dtype: 'F16' | 'BF16'): Float32Array {
  const count = raw.length / 2;
  const out = new Float32Array(count);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = (raw[2 * i]! | (raw[2 * i + 1]! << 8)) << 16;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = halfToFloat(raw[2 * i]! | (raw[2 * i + 1]! << 8));
  return out;
}

/** IEEE 754 binary16 bits → number: sign, 5-bit exponent (bias 15), 10-bit mantissa. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Writes tensors and metadata to `path` as safetensors, atomically (temp file + rename, see
 * `writeFileAtomic`): a crash leaves the old file or the new one, never half of one.
 * The directory must exist. Node only.
 *
 * @example
 * await saveSafetensors('lstm.safetensors', model.stateDict(), { config: JSON.stringify(cfg) });
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  // Imported lazily so that bundling encode/decode for the browser does not pull in node:fs.
  const { writeFileAtomic } = await import('./atomic.js');
  await writeFileAtomic(path, bytes);
}

/**
 * Reads and validates a safetensors file (see {@link decodeSafetensors}); format errors are
 * {@link FormatError}s naming `path`. F16/BF16 tensors come back as F32. Node only.
 *
 * @example
 * const { tensors, metadata } = await loadSafetensors('lstm.safetensors');
 * tensors['rnn.weight_ih_l0']!.shape; // [4 * H, I]
 */
export async function loadSafetensors(
  path: string,
): Promise<{ tensors: Record<string, NamedTensor>; metadata: Record<string, string> }> {
  const { readFile } = await import('node:fs/promises');
  return decodeSafetensors(await readFile(path), path);
}
