/** `recurrent speech train|eval|transcribe` end to end on a tiny tone-word data set. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { Rng } from '../../src/tensor/rng.js';
import { runCli as run, tempDir } from '../util/cli.js';

const SR = 8000;

/** Folder with `n` utterances of 1–2 tone words ("lo" 500 Hz, "hi" 2000 Hz) and a manifest. */
function makeSet(dir: string, name: string, n: number, seed: number): string {
  const rng = new Rng(seed);
  const rows = ['path,transcript'];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 1 + rng.int(2) }, () => (rng.uniform() < 0.5 ? 'lo' : 'hi'));
    const parts: number[] = [];
    const gap = (): void => {
      for (let k = 0; k < 300; k++) parts.push(0.003 * rng.normal());
    };
    gap();
    for (const w of words) {
      const f = w === 'lo' ? 500 : 2000;
      const len = 1000 + rng.int(400);
      for (let k = 0; k < len; k++) parts.push(0.4 * Math.sin((2 * Math.PI * f * k) / SR) * Math.sin((Math.PI * k) / len));
      gap();
    }
    const file = `${name}_${i}.wav`;
    writeFileSync(join(dir, file), encodeWav(Float32Array.from(parts), SR));
    rows.push(`${file},${words.join(' ')}`);
  }
  const manifest = join(dir, `${name}.csv`);
  writeFileSync(manifest, rows.join('\n') + '\n');
  return manifest;
}

describe('recurrent speech', () => {
  const dir = tempDir('speech-cli-');
  const train = makeSet(dir, 'train', 48, 1);
  const test = makeSet(dir, 'test', 12, 2);
  const model = join(dir, 'm.safetensors');

  it('train --json, eval --json, transcribe', async () => {
    const t = await run(['speech', 'train', '--data', train, '--out', model, '--epochs', '10', '--units', '16', '--layers', '1', '--tokens', 'words', '--lr', '0.01', '--batch-size', '8', '--json']);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    const lines = t.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.event === 'epoch').length).toBe(10);
    expect(lines.at(-1)).toMatchObject({ event: 'done', model, epochs: 10, stopReason: 'epochs' });

    const e = await run(['speech', 'eval', '--model', model, '--data', test, '--json', '--errors', '3']);
    expect(e.code).toBe(0);
    const s = JSON.parse(e.out) as { utterances: number; accuracy: number; wer: number; cer: number; decoding: string };
    expect(s.utterances).toBe(12);
    expect(s.decoding).toBe('greedy');
    expect(s.wer).toBeLessThan(0.2);

    const tr = await run(['speech', 'transcribe', '--model', model, join(dir, 'test_0.wav'), join(dir, 'test_1.wav'), '--beam', '4']);
    expect(tr.code).toBe(0);
    expect(tr.out.trim().split('\n').length).toBe(2);
    expect(tr.out).toMatch(/test_0\.wav\t(lo|hi)/);
  }, 120_000);

  it('errors name the file and what was wrong', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(join(dir, 'fake.wav'), 'ID3 this is an mp3');
    writeFileSync(bad, 'fake.wav,lo\n');
    const r = await run(['speech', 'train', '--data', bad, '--out', join(dir, 'x.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--data ${bad}: ${join(dir, 'fake.wav')}: not a RIFF/WAVE file (starts with "ID3 ")`);
    const t = await run(['speech', 'transcribe', '--model', model]);
    expect(t.code).toBe(1);
    expect(t.err).toContain('missing FILE.wav');
    const m = await run(['speech', 'eval', '--model', join(dir, 'none.safetensors'), '--data', test]);
    expect(m.err).toContain('none.safetensors: no such file');
    const h = await run(['speech', '--help']);
    expect(h.out).toContain('speech transcribe');
  });
});
