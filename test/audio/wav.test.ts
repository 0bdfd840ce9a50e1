import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, readWav, resample } from '../../src/audio/index.js';

function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(0.05 * i) * 0.9);
}

/** A WAV header + data by hand, for formats encodeWav does not write. */
function handWav(opts: { tag: number; channels: number; rate: number; bits: number; data: Uint8Array; extensibleSub?: number; declaredData?: number; extraChunk?: boolean }): Uint8Array {
  const ext = opts.extensibleSub !== undefined;
  const fmtSize = ext ? 40 : 16;
  const extra = opts.extraChunk ? 8 + 5 + 1 : 0; // a 5-byte LIST chunk, padded to 6
  const out = new Uint8Array(12 + 8 + fmtSize + extra + 8 + opts.data.length);
  const dv = new DataView(out.buffer);
  const put = (at: number, s: string): void => s.split('').forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  dv.setUint32(4, out.length - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  dv.setUint32(16, fmtSize, true);
  const blockAlign = (opts.bits / 8) * opts.channels;
  dv.setUint16(20, ext ? 0xfffe : opts.tag, true);
  dv.setUint16(22, opts.channels, true);
  dv.setUint32(24, opts.rate, true);
  dv.setUint32(28, opts.rate * blockAlign, true);
  dv.setUint16(32, blockAlign, true);
  dv.setUint16(34, opts.bits, true);
  let at = 36;
  if (ext) {
    dv.setUint16(36, 22, true);
    dv.setUint16(38, opts.bits, true);
    dv.setUint32(40, 3, true);
    dv.setUint16(44, opts.extensibleSub!, true);
    out.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
    at = 60;
  }
  if (opts.extraChunk) {
    put(at, 'LIST');
    dv.setUint32(at + 4, 5, true);
    at += 14;
  }
  put(at, 'data');
  dv.setUint32(at + 4, opts.declaredData ?? opts.data.length, true);
  out.set(opts.data, at + 8);
  return out;
}

describe('WAV round trip', () => {
  const x = ramp(300);
  for (const [format, tol] of [
    [8, 1 / 128],
    [16, 1 / 32768],
    [24, 1 / 8388608],
    [32, 1e-9],
    ['float32', 0],
  ] as const) {
    it(`format ${format}`, () => {
      const w = decodeWav(encodeWav(x, 22050, { format }), 'x.wav');
      expect(w.sampleRate).toBe(22050);
      expect(w.channels).toBe(1);
      expect(w.encoding).toBe(format === 'float32' ? 'float' : 'pcm');
      expect(w.signal.length).toBe(300);
      for (let i = 0; i < 300; i++) expect(Math.abs(w.signal[i]! - x[i]!)).toBeLessThanOrEqual(tol / 2 + 1e-7);
    });
  }

  it('down-mixes channels by averaging', () => {
    const a = ramp(50);
    const b = a.map((v) => -0.5 * v);
    const w = decodeWav(encodeWav([a, b], 8000, { format: 'float32' }), 's.wav');
    expect(w.channels).toBe(2);
    for (let i = 0; i < 50; i++) expect(w.signal[i]).toBeCloseTo(0.25 * a[i]!, 6);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE (PCM 24-bit, 3 channels) and skips unknown chunks', () => {
    const data = new Uint8Array(3 * 3 * 2);
    const dv = new DataView(data.buffer);
    const vals = [0.5, -0.25, 0.125, -1, 0.75, 0];
    vals.forEach((v, i) => {
      const q = Math.round(v * 8388608) | 0;
      dv.setUint8(i * 3, q & 0xff);
      dv.setUint8(i * 3 + 1, (q >> 8) & 0xff);
      dv.setInt8(i * 3 + 2, q >> 16);
    });
    const w = decodeWav(handWav({ tag: 1, channels: 3, rate: 44100, bits: 24, data, extensibleSub: 1, extraChunk: true }), 'e.wav');
    expect(w.bitsPerSample).toBe(24);
    expect(Array.from(w.signal)).toEqual([(0.5 - 0.25 + 0.125) / 3, (-1 + 0.75) / 3].map((v) => Math.fround(v)));
  });

  it('reads 64-bit float and extensible float', () => {
    const d64 = new Uint8Array(16);
    new DataView(d64.buffer).setFloat64(0, 0.3, true);
    new DataView(d64.buffer).setFloat64(8, -0.7, true);
    expect(Array.from(decodeWav(handWav({ tag: 3, channels: 1, rate: 8000, bits: 64, data: d64 })).signal)).toEqual([Math.fround(0.3), Math.fround(-0.7)]);
    const d32 = new Uint8Array(4);
    new DataView(d32.buffer).setFloat32(0, 0.25, true);
    expect(decodeWav(handWav({ tag: 3, channels: 1, rate: 8000, bits: 32, data: d32, extensibleSub: 3 })).signal[0]).toBe(0.25);
  });

  it('reads files whose data size was never patched (0xFFFFFFFF)', () => {
    const w = decodeWav(handWav({ tag: 1, channels: 1, rate: 8000, bits: 16, data: new Uint8Array(10), declaredData: 0xffffffff }), 's.wav');
    expect(w.signal.length).toBe(5);
  });
});

describe('WAV errors name the file and what was found', () => {
  it('non-WAV', () => {
    const mp3 = new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => decodeWav(mp3, 'a.wav')).toThrow('a.wav: not a RIFF/WAVE file (starts with "ID3")');
    expect(() => decodeWav(new Uint8Array([0xff, 0xfb, 0x90, 0x00]), 'b.wav')).toThrow('b.wav: not a RIFF/WAVE file (starts with bytes ff fb 90 00)');
    expect(() => decodeWav(new Uint8Array(0), 'e.wav')).toThrow('e.wav: not a RIFF/WAVE file (is empty)');
  });

  it('truncated data', () => {
    const full = encodeWav(new Float32Array(16000), 8000);
    expect(() => decodeWav(full.subarray(0, 44 + 1200), 'b.wav')).toThrow('b.wav: truncated: data chunk says 32000 bytes, 1200 present');
    expect(() => decodeWav(full.subarray(0, 30), 'c.wav')).toThrow(/c.wav: truncated: fmt chunk/);
    expect(() => decodeWav(full.subarray(0, 36), 'd.wav')).toThrow('d.wav: no data chunk (truncated or empty WAV file)');
  });

  it('unsupported formats', () => {
    expect(() => decodeWav(handWav({ tag: 0x55, channels: 1, rate: 8000, bits: 16, data: new Uint8Array(4) }), 'c.wav')).toThrow(
      'c.wav: unsupported format tag 0x0055 (MP3); expected PCM (0x0001) or IEEE float (0x0003)',
    );
    expect(() => decodeWav(handWav({ tag: 1, channels: 1, rate: 8000, bits: 16, data: new Uint8Array(4), extensibleSub: 7 }), 'u.wav')).toThrow(
      'u.wav: unsupported format tag 0x0007 (mu-law) in WAVE_FORMAT_EXTENSIBLE',
    );
    expect(() => decodeWav(handWav({ tag: 1, channels: 1, rate: 8000, bits: 12 as 16, data: new Uint8Array(4) }), 'p.wav')).toThrow(/p.wav: unsupported PCM sample size 12 bits/);
  });

  it('readWav: missing file', async () => {
    await expect(readWav('/nonexistent/x.wav')).rejects.toThrow('/nonexistent/x.wav: no such file');
  });
});

describe('resample (Kaiser-windowed sinc, cutoff 0.9 · lower Nyquist)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wav-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Gain (dB) of a unit sine at f after resampling, measured away from the edges. */
  function gainDb(f: number, from: number, to: number): number {
    const N = Math.round(from / 2);
    const x = Float32Array.from({ length: N }, (_, n) => Math.sin((2 * Math.PI * f * n) / from));
    const y = resample(x, from, to);
    let s = 0;
    let c = 0;
    for (let m = Math.round(to * 0.1); m < y.length - Math.round(to * 0.1); m++) {
      s += y[m]! * y[m]!;
      c++;
    }
    return 20 * Math.log10(Math.sqrt((2 * s) / c));
  }

  it('pass band flat, stop band ≥ 80 dB down (16 → 8 kHz)', () => {
    for (const f of [100, 1000, 3000, 3280]) expect(Math.abs(gainDb(f, 16000, 8000))).toBeLessThan(0.01);
    expect(gainDb(3600, 16000, 8000)).toBeCloseTo(-6.02, 1);
    for (const f of [3900, 4000, 5000, 7000]) expect(gainDb(f, 16000, 8000)).toBeLessThan(-80);
  });

  it('upsampling and odd ratios reproduce a band-limited sine', () => {
    for (const [from, to] of [
      [8000, 44100],
      [44100, 16000],
      [22050, 16000],
    ]) {
      const f = 440;
      const x = Float32Array.from({ length: from }, (_, n) => Math.sin((2 * Math.PI * f * n) / from));
      const y = resample(x, from, to);
      expect(y.length).toBe(Math.ceil((from * to) / from));
      let worst = 0;
      for (let m = Math.round(to * 0.1); m < to * 0.9; m++) worst = Math.max(worst, Math.abs(y[m]! - Math.sin((2 * Math.PI * f * m) / to)));
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('readWav resamples on request', async () => {
    const p = join(dir, 'tone.wav');
    const x = Float32Array.from({ length: 4410 }, (_, n) => 0.5 * Math.sin((2 * Math.PI * 300 * n) / 44100));
    writeFileSync(p, encodeWav(x, 44100, { format: 'float32' }));
    const w = await readWav(p, { sampleRate: 8000 });
    expect(w.sampleRate).toBe(8000);
    expect(w.signal.length).toBe(800);
    expect(w.signal[400]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 300 * 400) / 8000), 3);
  });
});
