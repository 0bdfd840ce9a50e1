/**
 * Speech app on tiny synthetic data: tone "words" (a = 500 Hz, b = 1300 Hz, c = 2600 Hz), data
 * loading (manifest, WAV folders, FSDD tar), connected-digit sets, SpecAugment, scores, and small
 * CTC / classifier models that must learn the tones in a few seconds.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { Rng } from '../../src/tensor/rng.js';
import {
  SpeechRecognizer,
  ctcMinSteps,
  listSpeechData,
  loadUtterances,
  makeConnectedDigits,
  parseManifest,
  readFsddTar,
  scoreTranscripts,
  specAugment,
  specAugmentDefaults,
} from '../../src/apps/speech/index.js';
import type { Utterance } from '../../src/apps/speech/index.js';

const SR = 8000;
const FREQ: Record<string, number> = { a: 500, b: 1300, c: 2600 };

/** A tone word: 0.12–0.2 s of a sine with a little noise. */
function tone(word: string, rng: Rng): Float32Array {
  const n = Math.round(SR * (0.12 + 0.08 * rng.uniform()));
  const f = FREQ[word]! * (1 + 0.03 * (rng.uniform() - 0.5));
  return Float32Array.from({ length: n }, (_, i) => 0.4 * Math.sin((2 * Math.PI * f * i) / SR) * Math.sin((Math.PI * i) / n) + 0.003 * rng.normal());
}

/** Words separated by short noise gaps; transcript "a c b". */
function utterance(words: string[], rng: Rng): Utterance {
  const parts: Float32Array[] = [];
  const gap = (): Float32Array => Float32Array.from({ length: Math.round(SR * (0.03 + 0.05 * rng.uniform())) }, () => 0.003 * rng.normal());
  parts.push(gap());
  for (const w of words) parts.push(tone(w, rng), gap());
  const signal = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    signal.set(p, at);
    at += p.length;
  }
  return { path: '', transcript: words.join(' '), signal };
}

function sequences(n: number, seed: number, maxLen: number): Utterance[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => utterance(Array.from({ length: 1 + rng.int(maxLen) }, () => 'abc'[rng.int(3)]!), rng));
}

const tmp = mkdtempSync(join(tmpdir(), 'speech-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('speech data', () => {
  it('parses manifests (header, quotes, relative paths) with file:line errors', () => {
    const items = parseManifest('path,transcript\na.wav,seven\n"sub/b c.wav","one,  two"\n\n/abs/c.wav, 3 \n', 'm.csv', '/data');
    expect(items).toEqual([
      { path: '/data/a.wav', transcript: 'seven' },
      { path: '/data/sub/b c.wav', transcript: 'one, two' },
      { path: '/abs/c.wav', transcript: '3' },
    ]);
    expect(() => parseManifest('a.wav,x,y\n', 'm.csv', '.')).toThrow('m.csv:1: expected 2 fields (path,transcript), got 3');
    expect(() => parseManifest('a.wav,\n', 'm.csv', '.')).toThrow('m.csv:1: empty transcript for a.wav');
    expect(() => parseManifest('path,transcript\n', 'm.csv', '.')).toThrow('m.csv: no utterances');
  });

  it('reads a WAV folder: sidecar .txt, label folders, <label>_ names; resamples', async () => {
    const dir = join(tmp, 'folder');
    mkdirSync(join(dir, 'yes'), { recursive: true });
    const sig = new Float32Array(1600).map((_, i) => 0.1 * Math.sin(i));
    writeFileSync(join(dir, 'yes', 'x1.wav'), encodeWav(sig, 16000));
    writeFileSync(join(dir, '3_bob_1.wav'), encodeWav(sig, 8000));
    writeFileSync(join(dir, 'free.wav'), encodeWav(sig, 8000));
    writeFileSync(join(dir, 'free.txt'), '  hello   world\n');
    const items = await listSpeechData(dir);
    expect(items.map((i) => [i.path.slice(dir.length + 1), i.transcript])).toEqual([
      ['3_bob_1.wav', '3'],
      ['free.wav', 'hello world'],
      ['yes/x1.wav', 'yes'],
    ]);
    const utts = await loadUtterances(items, 8000);
    expect(utts.map((u) => u.signal.length)).toEqual([1600, 1600, 800]);
    writeFileSync(join(dir, 'orphan.wav'), encodeWav(sig, 8000));
    await expect(listSpeechData(dir)).rejects.toThrow(/orphan.wav: no transcript/);
    await expect(listSpeechData(join(tmp, 'nope'))).rejects.toThrow(/no such file or directory/);
  });

  it('reads FSDD from a tar.gz with the official split; connected digits stay within one speaker', async () => {
    const members: [string, Uint8Array][] = [];
    const rng = new Rng(1);
    for (const spk of ['ann', 'bob'])
      for (const d of [1, 2])
        for (const idx of [0, 7]) members.push([`recordings/${d}_${spk}_${idx}.wav`, encodeWav(tone('abc'[d]!, rng), SR)]);
    members.push(['recordings/README', new TextEncoder().encode('not audio')]);
    const p = join(tmp, 'fsdd.tar.gz');
    writeFileSync(p, gzipSync(makeTar(members)));
    const recs = await readFsddTar(p);
    expect(recs.length).toBe(8);
    expect(recs.filter((r) => r.split === 'test').map((r) => r.name)).toEqual(['1_ann_0.wav', '1_bob_0.wav', '2_ann_0.wav', '2_bob_0.wav']);
    const test = recs.filter((r) => r.split === 'test');
    const conn = makeConnectedDigits(test, { count: 20, seed: 3 });
    for (const u of conn) {
      const n = u.transcript.split(' ').length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(5);
      expect(new Set(u.sources.map((s) => s.split('_')[1])).size).toBe(1);
      expect(u.sources.every((s) => s.endsWith('_0.wav'))).toBe(true);
      expect(u.transcript).toBe(u.sources.map((s) => s[0]).join(' '));
      const len = u.sources.reduce((s, name) => s + recs.find((r) => r.name === name)!.signal.length, 0);
      expect(u.signal.length).toBeGreaterThan(len);
    }
    expect(makeConnectedDigits(test, { count: 5, seed: 3 }).map((u) => u.transcript)).toEqual(conn.slice(0, 5).map((u) => u.transcript));
    await expect(readFsddTar(join(tmp, 'fsdd.tar.gz').replace('fsdd', 'none'))).rejects.toThrow();
  });
});

/** A minimal ustar archive (name, size, type '0'; what readFsddTar reads). */
function makeTar(members: [string, Uint8Array][]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, data] of members) {
    const h = new Uint8Array(512);
    h.set(new TextEncoder().encode(name), 0);
    h.set(new TextEncoder().encode(data.length.toString(8).padStart(11, '0') + '\0'), 124);
    h[156] = '0'.charCodeAt(0);
    blocks.push(h);
    const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
    body.set(data);
    blocks.push(body);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

describe('scores and augmentation', () => {
  it('CER, WER, accuracy', () => {
    const s = scoreTranscripts(['7 3 9', '1 2', ''], ['7 3 9', '1 4 2', '5']);
    expect(s.accuracy).toBeCloseTo(1 / 3, 12);
    expect(s.wordErrors).toBe(2); // one deletion, one deletion
    expect(s.refWords).toBe(7);
    expect(s.charErrors).toBe(3); // "1 2" vs "1 4 2": 2 deletions; "" vs "5": 1
    expect(s.refChars).toBe(5 + 5 + 1);
    expect(s.wer).toBeCloseTo(2 / 7, 12);
  });

  it('SpecAugment masks the same bands in every delta block and bounded time spans', () => {
    const T = 50;
    const base = 13;
    const F = 3 * base;
    const x = new Float32Array(T * F).fill(1);
    specAugment(x, T, F, base, specAugmentDefaults({ freqMasks: 1, freqWidth: 4, timeMasks: 1, timeWidth: 5 }), new Rng(4));
    const zeroCols = new Set<number>();
    for (let f = 0; f < F; f++) if (Array.from({ length: T }, (_, t) => x[t * F + f]).every((v) => v === 0)) zeroCols.add(f);
    for (const f of zeroCols) expect(zeroCols.has((f + base) % F)).toBe(true);
    expect(zeroCols.size % 3).toBe(0);
    let zeroRows = 0;
    for (let t = 0; t < T; t++) if (x.subarray(t * F, (t + 1) * F).every((v) => v === 0)) zeroRows++;
    expect(zeroRows).toBeLessThanOrEqual(5);
  });

  it('ctcMinSteps counts a blank between repeats', () => {
    expect(ctcMinSteps([1, 1, 2, 2, 2])).toBe(8);
    expect(ctcMinSteps([])).toBe(0);
  });
});

describe('SpeechRecognizer on tone words', () => {
  it('CTC: learns to transcribe 1–3 tone sequences; save/load round trip', async () => {
    const train = sequences(96, 1, 3);
    const test = sequences(24, 2, 3);
    const rec = SpeechRecognizer.create(
      train.map((u) => u.transcript),
      { head: 'ctc', units: 24, numLayers: 1, dropout: 0, tokens: 'words', features: { nMfcc: 8, nMels: 20, deltas: 1 } },
    );
    expect(rec.vocab).toEqual(['a', 'b', 'c']);
    const r = await rec.train(train, { epochs: 12, batchSize: 16, lr: 1e-2, specAugment: { timeMasks: 1, timeWidth: 2, freqMasks: 1, freqWidth: 2 } });
    expect(r.steps).toBe(12 * 6);
    const s = rec.evaluate(test);
    expect(s.wer).toBeLessThan(0.1);
    // Padding and masking: one utterance per batch decodes the same as length-sorted batches.
    expect(rec.transcribeMany(test.map((u) => u.signal), { batchSize: 1 })).toEqual(s.hypotheses);
    const beam = rec.evaluate(test, { beamWidth: 4 });
    expect(beam.wer).toBeLessThanOrEqual(s.wer + 0.05);
    const p = join(tmp, 'ctc.safetensors');
    await rec.save(p);
    const back = await SpeechRecognizer.load(p);
    expect(back.transcribeMany(test.map((u) => u.signal))).toEqual(s.hypotheses);
    expect(back.stats.epochs).toBe(12);
    expect(() => rec.encode('a d', 'x.wav')).toThrow('x.wav: word "d" is not in the model\'s vocabulary (3 units)');
  });

  it('classifier head: one label per utterance', async () => {
    const rng = new Rng(7);
    const make = (n: number): Utterance[] => Array.from({ length: n }, (_, i) => utterance(['abc'[i % 3]!], rng));
    const rec = SpeechRecognizer.create(['a', 'b', 'c'], { head: 'classifier', units: 16, numLayers: 1, pooling: 'max', bidirectional: false });
    await rec.train(make(60), { epochs: 8, batchSize: 12, lr: 1e-2 });
    expect(rec.evaluate(make(30)).accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses a CTC target longer than its frames allow', async () => {
    const rec = SpeechRecognizer.create(['a a a a a'], { head: 'ctc', tokens: 'words', frameStack: 16, units: 4, numLayers: 1 });
    const u = { path: 'short.wav', transcript: 'a a a a a', signal: new Float32Array(2000) };
    await expect(rec.train([u], { epochs: 1 })).rejects.toThrow(/short.wav has 2 steps for 5 CTC units \(needs 9\); use a smaller frameStack/);
  });
});
