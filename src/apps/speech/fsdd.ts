/**
 * The Free Spoken Digit Dataset (FSDD, 8 kHz isolated digits) and connected-digit sets built
 * from it.
 *
 * Official split (FSDD README "Usage"): recordings numbered 0–4 of every speaker and digit are the
 * test set (300), 5–49 the training set (2,700). Connected-digit utterances concatenate 2–5
 * recordings of one speaker from one split only, separated by short stretches of faint noise, so a
 * test utterance never contains a training recording.
 */
import { decodeWav, encodeWav } from '../../audio/wav.js';
import { Rng } from '../../tensor/rng.js';

/** One FSDD recording. */
export interface FsddRecording {
  /** File name, e.g. `7_george_12.wav`. */
  name: string;
  digit: number;
  speaker: string;
  /** Repetition index 0–49. */
  index: number;
  split: 'train' | 'test';
  sampleRate: number;
  signal: Float32Array;
}

/** Reads the recordings of FSDD's `recordings.tar.gz` (or an uncompressed tar). */
export async function readFsddTar(path: string): Promise<FsddRecording[]> {
  const fsp = await import('node:fs/promises');
  const zlib = await import('node:zlib');
  let bytes: Uint8Array = await fsp.readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  const out: FsddRecording[] = [];
  const td = new TextDecoder();
  let pos = 0;
  while (pos + 512 <= bytes.length) {
    const header = bytes.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const name = td.decode(header.subarray(0, 100)).replace(/\0.*$/s, '');
    const size = parseInt(td.decode(header.subarray(124, 136)).replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const body = pos + 512;
    if (body + size > bytes.length) throw new Error(`${path}: truncated tar member ${name} (${size} bytes, ${bytes.length - body} present)`);
    const base = name.split('/').pop()!;
    const m = /^(\d)_([A-Za-z]+)_(\d+)\.wav$/.exec(base);
    if ((type === '0' || type === '\0') && m) {
      const wav = decodeWav(bytes.subarray(body, body + size), `${path}:${name}`);
      const index = Number(m[3]);
      out.push({ name: base, digit: Number(m[1]), speaker: m[2]!, index, split: index <= 4 ? 'test' : 'train', sampleRate: wav.sampleRate, signal: wav.signal });
    }
    pos = body + Math.ceil(size / 512) * 512;
  }
  if (out.length === 0) throw new Error(`${path}: no FSDD recordings (<digit>_<speaker>_<index>.wav) in this tar file`);
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** Options of {@link makeConnectedDigits}. */
export interface ConnectedDigitOptions {
  /** Utterances to make. */
  count: number;
  /** Digits per utterance, drawn uniformly from [minDigits, maxDigits]. Default 2–5. */
  minDigits?: number;
  maxDigits?: number;
  /** Gap between digits, seconds, uniform in this range. Default [0.05, 0.3]. */
  gap?: [number, number];
  /** Leading and trailing silence, seconds, uniform in this range. Default [0, 0.15]. */
  edge?: [number, number];
  /** Standard deviation of the Gaussian noise filling gaps (digital silence has log energy −∞). Default 3e-4. */
  noise?: number;
  seed?: number;
}

/** A concatenated utterance and what it says (digits separated by spaces). */
export interface ConnectedUtterance {
  signal: Float32Array;
  transcript: string;
  /** The recordings used, in order. */
  sources: string[];
}

/**
 * Concatenates 2–5 recordings of one speaker (drawn from `recordings`, which should hold one
 * split only) with faint-noise gaps: "7 3 9".
 */
export function makeConnectedDigits(recordings: readonly FsddRecording[], opts: ConnectedDigitOptions): ConnectedUtterance[] {
  const minD = opts.minDigits ?? 2;
  const maxD = opts.maxDigits ?? 5;
  const [g0, g1] = opts.gap ?? [0.05, 0.3];
  const [e0, e1] = opts.edge ?? [0, 0.15];
  const noise = opts.noise ?? 3e-4;
  if (!(minD >= 1 && maxD >= minD)) throw new Error(`makeConnectedDigits: expected 1 ≤ minDigits ≤ maxDigits, got ${minD}, ${maxD}`);
  const bySpeaker = new Map<string, FsddRecording[]>();
  for (const r of recordings) {
    let l = bySpeaker.get(r.speaker);
    if (!l) bySpeaker.set(r.speaker, (l = []));
    l.push(r);
  }
  const speakers = [...bySpeaker.keys()].sort();
  if (speakers.length === 0) throw new Error('makeConnectedDigits: no recordings');
  const sr = recordings[0]!.sampleRate;
  if (recordings.some((r) => r.sampleRate !== sr)) throw new Error('makeConnectedDigits: recordings have different sample rates');
  const rng = new Rng(opts.seed ?? 0);
  const out: ConnectedUtterance[] = [];
  for (let u = 0; u < opts.count; u++) {
    const pool = bySpeaker.get(speakers[rng.int(speakers.length)]!)!;
    const k = minD + rng.int(maxD - minD + 1);
    const picks = Array.from({ length: k }, () => pool[rng.int(pool.length)]!);
    const silence = (sec: number): Float32Array => Float32Array.from({ length: Math.round(sec * sr) }, () => noise * rng.normal());
    const parts: Float32Array[] = [silence(e0 + (e1 - e0) * rng.uniform())];
    picks.forEach((p, i) => {
      if (i > 0) parts.push(silence(g0 + (g1 - g0) * rng.uniform()));
      parts.push(p.signal);
    });
    parts.push(silence(e0 + (e1 - e0) * rng.uniform()));
    const signal = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      signal.set(p, at);
      at += p.length;
    }
    out.push({ signal, transcript: picks.map((p) => String(p.digit)).join(' '), sources: picks.map((p) => p.name) });
  }
  return out;
}

/** Options of {@link prepareFsdd}. */
export interface PrepareFsddOptions {
  /** Connected-digit utterances built from training recordings. Default 3000. */
  connectedTrain?: number;
  /** Connected-digit utterances built from test recordings. Default 500. */
  connectedTest?: number;
  seed?: number;
}

/** Counts of what {@link prepareFsdd} wrote. */
export interface PrepareFsddResult {
  manifests: Record<'train' | 'test' | 'connected_train' | 'connected_test', { path: string; utterances: number; seconds: number }>;
}

/**
 * Unpacks FSDD into `outDir` as WAV files with four manifests (CSV `path,transcript`):
 * `train.csv` / `test.csv` (official split, isolated digits) and `connected_train.csv` /
 * `connected_test.csv` (2–5 digits of one speaker, each from its own split only).
 */
export async function prepareFsdd(tarPath: string, outDir: string, opts: PrepareFsddOptions = {}): Promise<PrepareFsddResult> {
  const fsp = await import('node:fs/promises');
  const path = await import('node:path');
  const recs = await readFsddTar(tarPath);
  const seed = opts.seed ?? 0;
  await fsp.mkdir(path.join(outDir, 'recordings'), { recursive: true });
  await fsp.mkdir(path.join(outDir, 'connected'), { recursive: true });
  const result = {} as PrepareFsddResult['manifests'];
  const writeManifest = async (name: keyof PrepareFsddResult['manifests'], rows: { rel: string; transcript: string; seconds: number }[]): Promise<void> => {
    const p = path.join(outDir, `${name}.csv`);
    await fsp.writeFile(p, ['path,transcript', ...rows.map((r) => `${r.rel},${r.transcript}`)].join('\n') + '\n');
    result[name] = { path: p, utterances: rows.length, seconds: rows.reduce((s, r) => s + r.seconds, 0) };
  };
  for (const split of ['train', 'test'] as const) {
    const rows = [];
    for (const r of recs.filter((x) => x.split === split)) {
      const rel = `recordings/${r.name}`;
      await fsp.writeFile(path.join(outDir, rel), encodeWav(r.signal, r.sampleRate));
      rows.push({ rel, transcript: String(r.digit), seconds: r.signal.length / r.sampleRate });
    }
    await writeManifest(split, rows);
  }
  for (const [split, count, s] of [
    ['train', opts.connectedTrain ?? 3000, seed * 2 + 1],
    ['test', opts.connectedTest ?? 500, seed * 2 + 2],
  ] as const) {
    const pool = recs.filter((x) => x.split === split);
    const utts = makeConnectedDigits(pool, { count, seed: s });
    const rows = [];
    for (const [i, u] of utts.entries()) {
      const rel = `connected/${split}_${String(i).padStart(5, '0')}.wav`;
      await fsp.writeFile(path.join(outDir, rel), encodeWav(u.signal, pool[0]!.sampleRate));
      rows.push({ rel, transcript: u.transcript, seconds: u.signal.length / pool[0]!.sampleRate });
    }
    await writeManifest(`connected_${split}`, rows);
  }
  return { manifests: result };
}
