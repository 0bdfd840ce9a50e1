import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/io/atomic.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  FormatError,
  loadSafetensors,
  type NamedTensor,
  saveSafetensors,
} from '../../src/io/safetensors.js';

const utf8 = new TextEncoder();
const SIZE: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, U8: 1 };

/** The raw bytes behind a typed array: exact comparison, including -0 and NaN payloads. */
function bytesOf(a: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  for (let i = 0; i < 8; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * A file laid out by hand as the spec describes: u64 LE length, header (space-padded to a
 * multiple of 8 unless `pad` is false), data. `length` overrides the declared header length.
 */
function handMade(
  header: string | Uint8Array,
  data: Uint8Array = new Uint8Array(0),
  { pad = true, length }: { pad?: boolean; length?: bigint } = {},
): Uint8Array {
  let h = typeof header === 'string' ? utf8.encode(header) : header;
  if (pad && h.length % 8 !== 0) h = concat(h, new Uint8Array(8 - (h.length % 8)).fill(0x20));
  return concat(u64le(length ?? BigInt(h.length)), h, data);
}

function f32Bytes(...xs: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(xs).buffer);
}

function u16Bytes(...xs: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(xs).buffer);
}

interface SpecInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * An independent reader that checks what the spec and the reference writer promise: the data
 * section starts at a multiple of 8, the header is a JSON object padded only with spaces, the
 * offsets tile the data section from 0 without holes, and each tensor is aligned to its size.
 * Returns tensor names in data order.
 */
function specParse(bytes: Uint8Array): {
  order: string[];
  header: Record<string, SpecInfo>;
  metadata: Record<string, string> | undefined;
  rawHeader: string;
} {
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + bytes[i]!;
  expect((8 + n) % 8).toBe(0);
  const rawHeader = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  expect(rawHeader.startsWith('{')).toBe(true);
  expect(rawHeader.trimEnd().endsWith('}')).toBe(true);
  expect(/^ *$/.test(rawHeader.slice(rawHeader.trimEnd().length))).toBe(true);
  const parsed = JSON.parse(rawHeader) as Record<string, unknown>;
  const metadata = parsed['__metadata__'] as Record<string, string> | undefined;
  // Null prototype: a tensor may be called "__proto__".
  const header = Object.create(null) as Record<string, SpecInfo>;
  for (const [k, v] of Object.entries(parsed)) if (k !== '__metadata__') header[k] = v as SpecInfo;
  const offsets = (k: string) => header[k]!.data_offsets;
  const order = Object.keys(header).sort(
    (a, b) => offsets(a)[0] - offsets(b)[0] || offsets(a)[1] - offsets(b)[1],
  );
  let at = 0;
  for (const name of order) {
    const { dtype, shape, data_offsets: [b, e] } = header[name]!;
    expect(b).toBe(at);
    expect(e - b).toBe(shape.reduce((p, d) => p * d, 1) * SIZE[dtype]!);
    expect(b % SIZE[dtype]!).toBe(0);
    at = e;
  }
  expect(at).toBe(bytes.length - 8 - n);
  return { order, header, metadata, rawHeader };
}

function everyDtype(): Record<string, NamedTensor> {
  return {
    f32: {
      dtype: 'F32',
      shape: [2, 3],
      data: new Float32Array([1.5, -0, NaN, Infinity, 1e-45, -3.4028234663852886e38]),
    },
    f64: { dtype: 'F64', shape: [4], data: new Float64Array([Math.PI, -0, 5e-324, -Infinity]) },
    i32: { dtype: 'I32', shape: [3], data: new Int32Array([0, 2147483647, -2147483648]) },
    i64: {
      dtype: 'I64',
      shape: [2, 2],
      data: new BigInt64Array([0n, -1n, 9223372036854775807n, -9223372036854775808n]),
    },
    u8: { dtype: 'U8', shape: [256], data: Uint8Array.from({ length: 256 }, (_, i) => i) },
  };
}

function expectSameTensors(a: Record<string, NamedTensor>, b: Record<string, NamedTensor>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) {
    const x = a[name]!;
    const y = b[name]!;
    expect(y.dtype, name).toBe(x.dtype);
    expect(y.shape, name).toEqual(x.shape);
    expect(y.data.constructor, name).toBe(x.data.constructor);
    expect(bytesOf(y.data), name).toEqual(bytesOf(x.data));
  }
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips every dtype bit-exactly into aligned, owned arrays', () => {
    const tensors = everyDtype();
    const bytes = encodeSafetensors(tensors, { note: 'every dtype' });
    specParse(bytes);
    const back = decodeSafetensors(bytes);
    expectSameTensors(tensors, back.tensors);
    expect(back.metadata).toEqual({ note: 'every dtype' });
    for (const t of Object.values(back.tensors)) {
      expect(t.data.byteOffset).toBe(0);
      expect(t.data.buffer).not.toBe(bytes.buffer);
    }
  });

  it('matches the reference writer byte for byte (safetensors/src/tensor.rs tests)', () => {
    // test_empty: no tensors, no metadata -> "{}" + 6 spaces.
    expect(Array.from(encodeSafetensors({}))).toEqual(Array.from(handMade('{}')));
    expect(Array.from(encodeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, ...Array(6).fill(32)]);
    // test_empty with metadata {"framework": "pt"}: 35 header bytes padded to 40.
    const withMeta = encodeSafetensors({}, { framework: 'pt' });
    expect(Array.from(withMeta)).toEqual(Array.from(handMade('{"__metadata__":{"framework":"pt"}}')));
    expect(withMeta[0]).toBe(40);
    // test_serialization: a 64-byte header needs no padding.
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    const a = encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data } });
    const aHeader = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(aHeader.length).toBe(64);
    expect(Array.from(a)).toEqual(Array.from(handMade(aHeader, f32Bytes(0, 1, 2, 3, 4, 5))));
    // test_serialization_forced_alignement: 65 bytes padded with 7 spaces to 72.
    const b = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data } });
    const bHeader = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(Array.from(b)).toEqual(Array.from(handMade(`${bHeader}       `, f32Bytes(0, 1, 2, 3, 4, 5))));
    expect(b[0]).toBe(72);
  });

  it('lays tensors out by descending dtype size, then by name, as the reference writer', () => {
    const one = <T extends NamedTensor['dtype']>(dtype: T, data: NamedTensor['data']): NamedTensor => ({
      dtype,
      shape: [data.length],
      data,
    });
    const bytes = encodeSafetensors({
      a: one('U8', new Uint8Array(3)),
      b: one('F32', new Float32Array(1)),
      c: one('I64', new BigInt64Array(1)),
      d: one('F64', new Float64Array(1)),
      e: one('I32', new Int32Array(1)),
      f: one('U8', new Uint8Array(1)),
      aa: one('F32', new Float32Array(1)),
    });
    expect(specParse(bytes).order).toEqual(['c', 'd', 'aa', 'b', 'e', 'a', 'f']);
  });

  it('orders names by code point (UTF-8 byte order), not UTF-16 code unit', () => {
    const t = (): NamedTensor => ({ dtype: 'F32', shape: [], data: new Float32Array([1]) });
    // U+FFFF < U+1F600 by code point; as UTF-16, "\uD83D..." < "\uFFFF".
    const bytes = encodeSafetensors({ '\u{1F600}': t(), '\uFFFF': t(), z: t() });
    expect(specParse(bytes).order).toEqual(['z', '\uFFFF', '\u{1F600}']);
  });

  it('writes empty metadata as no __metadata__ key and reads its absence as {}', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'U8', shape: [1], data: new Uint8Array([7]) } }, {});
    const { rawHeader, metadata } = specParse(bytes);
    expect(rawHeader).not.toContain('__metadata__');
    expect(metadata).toBeUndefined();
    expect(decodeSafetensors(bytes).metadata).toEqual({});
    expect(decodeSafetensors(handMade('{"__metadata__":{}}')).metadata).toEqual({});
  });

  it('round-trips zero-size tensors, the scalar shape [] and unicode names and metadata', () => {
    const tensors: Record<string, NamedTensor> = {
      'zero.f32': { dtype: 'F32', shape: [0], data: new Float32Array(0) },
      'zero.middle': { dtype: 'I64', shape: [2, 0, 3], data: new BigInt64Array(0) },
      'zero.u8': { dtype: 'U8', shape: [0, 5], data: new Uint8Array(0) },
      scalar: { dtype: 'F64', shape: [], data: new Float64Array([-2.5]) },
      'ünï☃.😀 日本語': { dtype: 'I32', shape: [1, 1], data: new Int32Array([-7]) },
      'quote"back\\slash\nnewline\u0001': { dtype: 'U8', shape: [2], data: new Uint8Array([1, 2]) },
      __proto__x: { dtype: 'U8', shape: [1], data: new Uint8Array([9]) },
    };
    Object.defineProperty(tensors, '__proto__', {
      value: { dtype: 'U8', shape: [1], data: new Uint8Array([42]) },
      enumerable: true,
    });
    const metadata = { 'ключ': 'значение ☃', config: JSON.stringify({ hidden: 8, cell: 'lstm' }), '': '' };
    const bytes = encodeSafetensors(tensors, metadata);
    const spec = specParse(bytes);
    expect(spec.header['zero.middle']!.data_offsets[0]).toBe(spec.header['zero.middle']!.data_offsets[1]);
    const back = decodeSafetensors(bytes);
    expectSameTensors(tensors, back.tensors);
    expect(Object.getPrototypeOf(back.tensors)).toBe(Object.prototype);
    expect(back.metadata).toEqual(metadata);
    expect(back.tensors['scalar']!.shape).toEqual([]);
  });

  it('decodes a file laid out by hand as the reference writes it', () => {
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}';
    const bytes = handMade(header, f32Bytes(1.5, -2));
    expect(bytes.length).toBe(8 + 80 + 8); // 79 header bytes + 1 space
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ k: 'v' });
    expect(tensors['a']!.dtype).toBe('F32');
    expect(tensors['a']!.shape).toEqual([2]);
    expect(Array.from(tensors['a']!.data as Float32Array)).toEqual([1.5, -2]);
  });

  it('accepts an unpadded header and input at an odd byte offset, copying into aligned arrays', () => {
    const header = '{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}';
    expect((8 + header.length) % 8).not.toBe(0);
    const file = handMade(header, new Uint8Array(new Float64Array([0.25, -8]).buffer), { pad: false });
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    const { tensors } = decodeSafetensors(big.subarray(3));
    expect(Array.from(tensors['w']!.data as Float64Array)).toEqual([0.25, -8]);
  });

  it('widens F16 and BF16 to F32 exactly', () => {
    const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0xfc00, 0x8000, 0x3555, 0x7e00];
    const bf = [0x3f80, 0xc040, 0x7f80, 0x0001, 0x4049];
    const header =
      '{"h":{"dtype":"F16","shape":[2,4],"data_offsets":[0,16]},' +
      '"b":{"dtype":"BF16","shape":[5],"data_offsets":[16,26]}}';
    const { tensors } = decodeSafetensors(handMade(header, u16Bytes(...half, ...bf)));
    const h = tensors['h']!;
    expect(h.dtype).toBe('F32');
    expect(h.shape).toEqual([2, 4]);
    expect(h.data).toBeInstanceOf(Float32Array);
    const hv = Array.from(h.data as Float32Array);
    expect(hv.slice(0, 7)).toEqual([1, -2, 65504, 2 ** -24, -Infinity, -0, 0.333251953125]);
    expect(Object.is(hv[5], -0)).toBe(true);
    expect(hv[7]).toBeNaN();
    const b = tensors['b']!;
    expect(b.dtype).toBe('F32');
    expect(Array.from(b.data as Float32Array)).toEqual([1, -3, Infinity, 2 ** -133, 3.140625]);
  });

  it('rejects bad inputs to the encoder, naming the tensor', () => {
    const enc = (t: unknown, m?: unknown) => () =>
      encodeSafetensors(t as Record<string, NamedTensor>, m as Record<string, string>);
    expect(enc({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } })).toThrow(
      "tensor 'w': expected Float32Array data for dtype F32, got Float64Array",
    );
    expect(enc({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      "tensor 'w': shape [2, 2] needs 4 elements, got 3",
    );
    expect(enc({ w: { dtype: 'F16', shape: [1], data: new Float32Array(1) } })).toThrow(
      "tensor 'w': expected dtype one of F32, F64, I32, I64, U8",
    );
    expect(enc({ w: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } })).toThrow('non-negative integers');
    expect(enc({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } })).toThrow('reserved');
    expect(enc({ '\uD800': { dtype: 'U8', shape: [0], data: new Uint8Array(0) } })).toThrow('surrogate');
    expect(enc({}, { epoch: 3 })).toThrow('metadata["epoch"]: expected a string, got number 3');
  });
});

describe('decodeSafetensors: malformed files', () => {
  const FILE = 'bad.safetensors';

  function decodeError(bytes: Uint8Array): FormatError {
    try {
      decodeSafetensors(bytes, FILE);
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      return e as FormatError;
    }
    throw new Error('expected a FormatError');
  }

  const good = encodeSafetensors(
    { x: { dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) } },
    { k: 'v' },
  );
  const tensor = (info: string, data: Uint8Array = new Uint8Array(0)) =>
    handMade(`{"x":${info}}`, data);
  const F32_1 = f32Bytes(1);

  const cases: [string, Uint8Array, string][] = [
    ['empty file', new Uint8Array(0), 'file is 0 bytes, expected at least 8'],
    ['file shorter than 8 bytes', new Uint8Array(5), 'file is 5 bytes, expected at least 8'],
    ['header length past the end', handMade('{}', new Uint8Array(4), { length: 1000n }), 'truncated: header says 1000 bytes, file has 20'],
    ['header length 2^64 - 1', handMade('{}', undefined, { length: 2n ** 64n - 1n }), 'truncated: header says 18446744073709551615 bytes, file has 16'],
    ['header cut mid-way', good.subarray(0, 30), 'truncated: header says'],
    ['a text file, not safetensors', new TextEncoder().encode('AB\tAE B\nBA\tB AE\nCAB\tK AE B\n'), `not a safetensors file: expected an 8-byte header length and then a JSON header starting with '{', but the file starts with "AB\\tAE B\\nBA\\tB AE\\nCAB\\tK AE"`],
    ['header not UTF-8', handMade(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'header is not valid UTF-8'],
    ['header not JSON', handMade('{"x": {"dtype": '), 'header is not valid JSON'],
    ['header JSON with trailing garbage', handMade('{}}'), 'header is not valid JSON'],
    ['header a JSON array', handMade('[1, 2]'), "header is not valid JSON: expected an object starting with '{'"],
    ['header with a BOM', handMade('\uFEFF{}'), "header is not valid JSON: expected an object starting with '{'"],
    ['entry not an object', tensor('[1]'), "tensor 'x': expected an object with dtype, shape, data_offsets, got array"],
    ['entry missing dtype', tensor('{"shape":[1],"data_offsets":[0,4]}', F32_1), `tensor 'x': missing "dtype"`],
    ['entry missing shape', tensor('{"dtype":"F32","data_offsets":[0,4]}', F32_1), `tensor 'x': missing "shape"`],
    ['entry missing data_offsets', tensor('{"dtype":"F32","shape":[1]}', F32_1), `tensor 'x': missing "data_offsets"`],
    ['unknown dtype', tensor('{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}', F32_1), `tensor 'x': unknown dtype string "Q7" (expected one of BOOL,`],
    ['dtype not a string', tensor('{"dtype":4,"shape":[1],"data_offsets":[0,4]}', F32_1), "tensor 'x': unknown dtype number 4"],
    ['valid but unsupported dtype', tensor('{"dtype":"I8","shape":[4],"data_offsets":[0,4]}', F32_1), `tensor 'x': unsupported dtype "I8" (expected one of F32, F64, I32, I64, U8, F16, BF16)`],
    ['negative dimension', tensor('{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}', F32_1), "tensor 'x': expected shape to be an array of non-negative integers, got array [-1]"],
    ['fractional dimension', tensor('{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}', F32_1), 'expected shape to be an array of non-negative integers'],
    ['shape not an array', tensor('{"dtype":"F32","shape":"1","data_offsets":[0,4]}', F32_1), 'expected shape to be an array of non-negative integers, got string "1"'],
    ['offsets reversed', tensor('{"dtype":"F32","shape":[1],"data_offsets":[4,0]}', F32_1), "tensor 'x': expected data_offsets [begin, end] with 0 <= begin <= end, got array [4,0]"],
    ['offsets of one number', tensor('{"dtype":"F32","shape":[1],"data_offsets":[4]}', F32_1), 'expected data_offsets [begin, end]'],
    ['byte span ≠ shape × size', tensor('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}', f32Bytes(1, 2)), "tensor 'x': shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] span 8"],
    ['data section cut short', good.subarray(0, good.length - 8), "truncated: tensor 'x' needs bytes [0, 16) but the data section has 8 bytes"],
    ['data section missing', good.subarray(0, good.length - 16), "truncated: tensor 'x' needs bytes [0, 16) but the data section has 0 bytes"],
    ['overlapping offsets', handMade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f32Bytes(1, 2, 3)), "tensor 'b' bytes [4, 12) overlap tensor 'a' [0, 8)"],
    ['zero-size tensor inside another', handMade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}', f32Bytes(1, 2)), "tensor 'b' bytes [4, 4) overlap tensor 'a' [0, 8)"],
    ['hole between tensors', handMade('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32Bytes(1, 2, 3)), "hole in the data section: bytes [4, 8) belong to no tensor (tensor 'b' starts at 8)"],
    ['first tensor not at 0', tensor('{"dtype":"F32","shape":[1],"data_offsets":[4,8]}', f32Bytes(1, 2)), "hole in the data section: bytes [0, 4) belong to no tensor (tensor 'x' starts at 4)"],
    ['trailing bytes', concat(good, new Uint8Array(3)), '3 trailing bytes: the data section has 19 bytes but the tensors cover only [0, 16)'],
    ['metadata not an object', handMade('{"__metadata__":["a"]}'), '__metadata__: expected an object of strings, got array ["a"]'],
    ['metadata value a number', handMade('{"__metadata__":{"epoch":3}}'), '__metadata__["epoch"]: expected a string, got number 3'],
    ['metadata value null', handMade('{"__metadata__":{"k":null}}'), '__metadata__["k"]: expected a string, got null'],
  ];

  it.each(cases)('%s', (_label, bytes, phrase) => {
    const err = decodeError(bytes);
    expect(err.file).toBe(FILE);
    expect(err.name).toBe('FormatError');
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
    expect(err.message).toContain(phrase);
    expect(err.detail).toBe(err.message.slice(FILE.length + 2));
  });

  it('never throws anything but FormatError on truncated or corrupted bytes', () => {
    const bytes = encodeSafetensors(everyDtype(), { k: 'v' });
    for (let len = 0; len < bytes.length; len++) decodeError(bytes.subarray(0, len));
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    for (let trial = 0; trial < 2000; trial++) {
      const bad = bytes.slice();
      // Flip one byte in the length prefix or header, where every change matters to the parser.
      bad[rand(headerEnd)] ^= 1 + rand(255);
      try {
        decodeSafetensors(bad, FILE);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
      }
    }
  });
});

describe('atomic writes and save/load', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'recurrent-io-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // A Uint8Array whose every property access throws: the failure comes after the temp file exists.
  const poisoned = () =>
    new Proxy(new Uint8Array(4), {
      get() {
        throw new Error('boom');
      },
    });

  it.each([
    ['writeFileAtomic', (p: string, d: Uint8Array | string) => writeFileAtomic(p, d)],
    ['writeFileAtomicSync', async (p: string, d: Uint8Array | string) => writeFileAtomicSync(p, d)],
  ])('%s replaces the file, leaves no temp file and keeps the mode', async (_name, write) => {
    const path = join(dir, 'out.bin');
    await write(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(fs.readFileSync(path))).toEqual([1, 2, 3]);
    if (process.platform !== 'win32') fs.chmodSync(path, 0o600);
    await write(path, 'héllo ☃');
    expect(fs.readFileSync(path, 'utf8')).toBe('héllo ☃');
    if (process.platform !== 'win32') expect(fs.statSync(path).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['out.bin']);
  });

  it.each([
    ['writeFileAtomic', (p: string, d: Uint8Array) => writeFileAtomic(p, d)],
    ['writeFileAtomicSync', async (p: string, d: Uint8Array) => writeFileAtomicSync(p, d)],
  ])('%s leaves the old file intact and no temp file when the write fails', async (_name, write) => {
    const path = join(dir, 'model.safetensors');
    fs.writeFileSync(path, 'old contents');
    const err = await write(path, poisoned()).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(`cannot write '${path}'`);
    expect(fs.readFileSync(path, 'utf8')).toBe('old contents');
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('explains a missing directory', async () => {
    const path = join(dir, 'no', 'such', 'dir', 'm.safetensors');
    const expected = `cannot write '${path}': directory '${join(dir, 'no', 'such', 'dir')}' does not exist (create it first)`;
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(expected);
    expect(() => writeFileAtomicSync(path, 'x')).toThrow(expected);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('cleans up when the rename fails (target is a directory)', async () => {
    const path = join(dir, 'taken');
    fs.mkdirSync(path);
    fs.writeFileSync(join(path, 'inside'), 'keep');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(`cannot write '${path}'`);
    expect(() => writeFileAtomicSync(path, 'x')).toThrow(`cannot write '${path}'`);
    expect(fs.readdirSync(dir)).toEqual(['taken']);
    expect(fs.readFileSync(join(path, 'inside'), 'utf8')).toBe('keep');
  });

  it('concurrent writers to one path each land whole', async () => {
    const path = join(dir, 'race.bin');
    const payloads = Array.from({ length: 16 }, (_, i) => new Uint8Array(100_000).fill(i));
    await Promise.all(payloads.map((p) => writeFileAtomic(path, p)));
    const got = fs.readFileSync(path);
    expect(got.length).toBe(100_000);
    expect(got.every((b) => b === got[0])).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['race.bin']);
  });

  it('saveSafetensors / loadSafetensors round-trip through a file', async () => {
    const path = join(dir, 'm.safetensors');
    await saveSafetensors(path, everyDtype(), { config: '{"hidden":8}' });
    expect(fs.readdirSync(dir)).toEqual(['m.safetensors']);
    const { tensors, metadata } = await loadSafetensors(path);
    expectSameTensors(everyDtype(), tensors);
    expect(metadata).toEqual({ config: '{"hidden":8}' });
  });

  it('loadSafetensors names the file in format errors', async () => {
    const path = join(dir, 'cut.safetensors');
    const bytes = encodeSafetensors({ w: { dtype: 'F64', shape: [3], data: new Float64Array(3) } });
    fs.writeFileSync(path, bytes.subarray(0, bytes.length - 1));
    const err = await loadSafetensors(path).then(
      () => null,
      (e: unknown) => e as FormatError,
    );
    expect(err).toBeInstanceOf(FormatError);
    expect(err!.file).toBe(path);
    expect(err!.message).toBe(
      `${path}: truncated: tensor 'w' needs bytes [0, 24) but the data section has 23 bytes`,
    );
  });
});

// tools/golden/safetensors_check.py: the reference `safetensors` package when installed, else a
// strict Python port of its writer and reader. Skipped where python3 + numpy are missing.
const PYTHON = '/usr/bin/python3';
const CHECK = fileURLToPath(new URL('../../tools/golden/safetensors_check.py', import.meta.url));
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** Mirrors fixture_tensors(with_f16=False) in the Python script. */
function pythonFixture(): Record<string, NamedTensor> {
  return {
    'rnn.weight_ih_l0': {
      dtype: 'F32',
      shape: [3, 4],
      data: Float32Array.from({ length: 12 }, (_, i) => i * 0.25 - 1),
    },
    double: { dtype: 'F64', shape: [3], data: new Float64Array([1 / 3, -2.5e300, 5e-324]) },
    ids: { dtype: 'I32', shape: [3], data: new Int32Array([-1, 2 ** 31 - 1, -(2 ** 31)]) },
    steps: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]) },
    mask: { dtype: 'U8', shape: [2, 2], data: new Uint8Array([0, 1, 255, 7]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([3.5]) },
    empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    'ünï☃.😀': { dtype: 'F32', shape: [1], data: new Float32Array([-0]) },
  };
}

/** The Python script's JSON rendering of a value: int64 and non-finite/-0 floats as strings. */
function jsonValue(x: number | bigint): number | string {
  if (typeof x === 'bigint') return x.toString();
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return x;
}

describe.skipIf(!hasNumpy)('interop with Python (tools/golden/safetensors_check.py)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'recurrent-py-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function python(...args: string[]): string {
    const r = spawnSync(PYTHON, [CHECK, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`safetensors_check.py ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  }

  it("reads Python's files, F16 included", async () => {
    python('write', dir);
    const { tensors, metadata } = await loadSafetensors(join(dir, 'fixture.safetensors'));
    expect(metadata).toEqual({ format: 'np', config: '{"hidden": 8}', 'ключ': '☃' });
    const { half, ...rest } = tensors;
    expectSameTensors(pythonFixture(), rest);
    expect(half!.dtype).toBe('F32');
    expect(Array.from(half!.data as Float32Array).map(jsonValue)).toEqual([1, -2, 65504, 2 ** -24, '-inf', 'nan']);
  });

  it('writes the same bytes as the Python writer (reference package, or its port)', () => {
    python('write', dir);
    const theirs = fs.readFileSync(join(dir, 'plain.safetensors'));
    const ours = encodeSafetensors(pythonFixture(), { format: 'np' });
    expect(Buffer.from(ours).equals(theirs)).toBe(true);
  });

  it('writes files Python reads', async () => {
    const path = join(dir, 'ours.safetensors');
    const tensors = { ...pythonFixture(), ...everyDtype() };
    await saveSafetensors(path, tensors, { 'ключ': '☃', config: '{"a":1}' });
    const got = JSON.parse(python('read', path)) as {
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; data: (number | string)[] }>;
    };
    expect(got.metadata).toEqual({ 'ключ': '☃', config: '{"a":1}' });
    expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const g = got.tensors[name]!;
      expect(g.dtype, name).toBe(t.dtype);
      expect(g.shape, name).toEqual(t.shape);
      expect(g.data, name).toEqual(Array.from(t.data as ArrayLike<number | bigint>, jsonValue));
    }
  });
});
