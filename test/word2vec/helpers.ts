/**
 * Shared word2vec test data: a seeded toy-grammar corpus, and a slice of the offline English
 * corpus (decompressed with the `xz` binary, cached in the temp directory).
 */
import { SHARED_DATA } from '../util/shared_data.js';
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/tensor/rng.js';

/** Sentences from a small grammar: animals eat foods, people visit places, numbers count things. */
export function toyCorpus(sentences: number, seed = 1): string[][] {
  const rng = new Rng(seed);
  const pick = <T>(a: readonly T[]): T => a[rng.int(a.length)]!;
  const animals = ['cat', 'dog', 'horse', 'cow', 'sheep', 'goat'];
  const foods = ['grass', 'hay', 'meat', 'fish', 'bread', 'corn'];
  const people = ['john', 'mary', 'paul', 'anna', 'peter', 'lucy'];
  const places = ['paris', 'london', 'rome', 'berlin', 'madrid', 'vienna'];
  const numbers = ['two', 'three', 'four', 'five', 'six', 'seven'];
  const out: string[][] = [];
  for (let i = 0; i < sentences; i++) {
    switch (rng.int(3)) {
      case 0:
        out.push(['the', pick(animals), 'eats', 'the', pick(foods), 'every', 'day']);
        break;
      case 1:
        out.push([pick(people), 'visits', pick(places), 'with', pick(people), 'in', 'summer']);
        break;
      default:
        out.push(['we', 'saw', pick(numbers), pick(animals), 'and', pick(numbers), 'people']);
    }
  }
  return out;
}

/** `sentences` as a text file, one sentence per line. */
export function writeCorpus(path: string, sentences: readonly (readonly string[])[]): string {
  writeFileSync(path, sentences.map((s) => s.join(' ')).join('\n') + '\n');
  return path;
}

const CORPUS_XZ = join(SHARED_DATA, 'offline-en-corpus/corpus.txt.xz');

/**
 * The first `bytes` bytes of the offline corpus (≈ 5.6 bytes per token), or a reason to skip
 * when the compressed corpus or the `xz` binary is missing.
 */
export function offlineCorpusSlice(bytes: number): { path: string } | { skip: string } {
  if (!existsSync(CORPUS_XZ)) return { skip: `${CORPUS_XZ} not found` };
  const path = join(tmpdir(), `recurrent-w2v-offline-${bytes}.txt`);
  if (existsSync(path) && statSync(path).size === bytes) return { path };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    execFileSync('sh', ['-c', 'xz -dc "$0" | head -c "$1" > "$2"', CORPUS_XZ, String(bytes), tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return { skip: `cannot decompress ${CORPUS_XZ} with xz: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!existsSync(tmp) || statSync(tmp).size !== bytes) return { skip: `xz produced no ${bytes}-byte slice (is the xz binary installed?)` };
  renameSync(tmp, path);
  return { path };
}
