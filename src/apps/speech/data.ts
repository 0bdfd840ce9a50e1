/**
 * Speech data sets: a manifest (CSV `path,transcript`) or a directory of WAV files, loaded as
 * mono signals at one sample rate.
 *
 * Manifest: UTF-8 CSV (RFC 4180 quoting), one utterance per record `path,transcript`; an optional
 * first record `path,transcript` is a header; blank lines are skipped; relative paths are relative
 * to the manifest's folder.
 *
 * Directory: every `*.wav` below it (sorted, recursively). A file's transcript is, in order:
 * the text of `<name>.txt` beside it; else, for a file in a sub-folder, the sub-folder's name
 * (`dir/yes/a.wav` → "yes"); else, for a file in the root, the part of its name before the first
 * `_` (FSDD's `7_george_12.wav` → "7"). A file matching none of these is an error naming it.
 */
import { readWav } from '../../audio/wav.js';
import { parseCsv } from '../../text/csv.js';

/** One utterance: its source and what was said. */
export interface SpeechItem {
  path: string;
  transcript: string;
}

/** An utterance loaded into memory. */
export interface Utterance extends SpeechItem {
  /** Mono samples at the requested sample rate. */
  signal: Float32Array;
}

/** Collapses runs of whitespace and trims: the form transcripts are compared in. */
export function normalizeTranscript(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Parses manifest text; `name` (the file) and line numbers start error messages. */
export function parseManifest(text: string, name: string, baseDir: string): SpeechItem[] {
  const items: SpeechItem[] = [];
  const recs = parseCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  for (const [i, r] of recs.entries()) {
    if (r.error) throw new Error(`${name}:${r.line}: ${r.error}`);
    if (r.fields.length === 1 && r.fields[0]!.trim() === '') continue;
    if (i === 0 && r.fields[0]!.trim().toLowerCase() === 'path' && (r.fields[1] ?? '').trim().toLowerCase() === 'transcript') continue;
    if (r.fields.length !== 2) throw new Error(`${name}:${r.line}: expected 2 fields (path,transcript), got ${r.fields.length}`);
    const p = r.fields[0]!.trim();
    const t = normalizeTranscript(r.fields[1]!);
    if (!p) throw new Error(`${name}:${r.line}: empty path`);
    if (!t) throw new Error(`${name}:${r.line}: empty transcript for ${p}`);
    items.push({ path: isAbsolute(p) ? p : joinPath(baseDir, p), transcript: t });
  }
  if (items.length === 0) throw new Error(`${name}: no utterances (expected CSV lines path,transcript)`);
  return items;
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}

function joinPath(dir: string, p: string): string {
  return dir.endsWith('/') ? dir + p : `${dir}/${p}`;
}

/** Lists the utterances of a manifest file or a WAV directory (see the module header). */
export async function listSpeechData(source: string): Promise<SpeechItem[]> {
  const fsp = await import('node:fs/promises');
  const path = await import('node:path');
  let st;
  try {
    st = await fsp.stat(source);
  } catch {
    throw new Error(`${source}: no such file or directory (expected a manifest .csv or a folder of .wav files)`);
  }
  if (st.isFile()) {
    const text = await fsp.readFile(source, 'utf8');
    return parseManifest(text, source, path.dirname(source));
  }
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.wav')) files.push(full);
    }
  };
  await walk(source);
  if (files.length === 0) throw new Error(`${source}: no .wav files in this folder`);
  const items: SpeechItem[] = [];
  for (const f of files) {
    const side = f.replace(/\.wav$/i, '.txt');
    let t: string | null = null;
    try {
      t = normalizeTranscript(await fsp.readFile(side, 'utf8'));
    } catch {
      t = null;
    }
    if (!t) {
      const rel = path.relative(source, f);
      const parts = rel.split(path.sep);
      if (parts.length > 1) t = parts[parts.length - 2]!;
      else {
        const base = path.basename(f).replace(/\.wav$/i, '');
        if (base.includes('_')) t = base.slice(0, base.indexOf('_'));
      }
    }
    if (!t) throw new Error(`${f}: no transcript (expected ${path.basename(side)} beside it, a label folder, or a name like <label>_<anything>.wav)`);
    items.push({ path: f, transcript: normalizeTranscript(t) });
  }
  return items;
}

/** Loads every item's WAV as a mono signal at `sampleRate` (resampled when needed). */
export async function loadUtterances(items: readonly SpeechItem[], sampleRate: number): Promise<Utterance[]> {
  const out: Utterance[] = [];
  for (const it of items) {
    const w = await readWav(it.path, { sampleRate });
    if (w.signal.length === 0) throw new Error(`${it.path}: no samples`);
    out.push({ ...it, signal: w.signal });
  }
  return out;
}
