import { describe, expect, it } from 'vitest';
import { BPETokenizer } from '../../src/text/bpe.js';
import { tokenizerFromJSON } from '../../src/text/tokenizers.js';

// Sennrich et al. 2016's toy corpus: low ×5, lower ×2, newest ×6, widest ×3.
const TOY = ['low '.repeat(5), 'lower '.repeat(2), 'newest '.repeat(6), 'widest '.repeat(3)];

/** Plain recount-everything BPE, the obvious reference for the incremental trainer. */
function referenceMerges(words: Map<string, number>, numMerges: number): [string, string][] {
  let segs = [...words].map(([w, f]) => ({ s: [...w, '</w>'], f }));
  const merges: [string, string][] = [];
  for (let m = 0; m < numMerges; m++) {
    const counts = new Map<string, { a: string; b: string; c: number }>();
    for (const { s, f } of segs) {
      for (let i = 0; i + 1 < s.length; i++) {
        const k = `${s[i]}\u0000${s[i + 1]}`;
        const e = counts.get(k) ?? { a: s[i]!, b: s[i + 1]!, c: 0 };
        e.c += f;
        counts.set(k, e);
      }
    }
    const best = [...counts.values()].sort((x, y) => y.c - x.c || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0))[0];
    if (best === undefined) break;
    merges.push([best.a, best.b]);
    segs = segs.map(({ s, f }) => {
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === best.a && s[i + 1] === best.b) {
          out.push(best.a + best.b);
          i++;
        } else out.push(s[i]!);
      }
      return { s: out, f };
    });
  }
  return merges;
}

describe('BPETokenizer', () => {
  it('learns the expected merges on the paper corpus, ties broken by string order', () => {
    const bpe = BPETokenizer.train(TOY, { vocabSize: 100, minFrequency: 2 });
    // Counts: es/st/t</w> 9 (tie → 'e s'), lo/ow 7, then the 6s of "newest" (tie → 'e w' < 'n e' < 'w est</w>').
    expect(bpe.merges.slice(0, 9)).toEqual([
      ['e', 's'],
      ['es', 't'],
      ['est', '</w>'],
      ['l', 'o'],
      ['lo', 'w'],
      ['e', 'w'],
      ['ew', 'est</w>'],
      ['n', 'ewest</w>'],
      ['low', '</w>'],
    ]);
    // Then the 3s of "widest"; with minFrequency 2 the 2-count pairs of "lower" also merge.
    expect(bpe.merges[9]).toEqual(['d', 'est</w>']);
    expect(bpe.merges.every(([a, b]) => bpe.vocab.includes(a + b))).toBe(true);
  });

  it('stops at vocabSize and at minFrequency', () => {
    const base = BPETokenizer.train(TOY, { vocabSize: 1000, minFrequency: 1 });
    const small = BPETokenizer.train(TOY, { vocabSize: base.vocab.length - base.merges.length + 3 });
    expect(small.merges).toHaveLength(3);
    expect(small.size).toBe(small.vocab.length);
    const frequentOnly = BPETokenizer.train(TOY, { vocabSize: 1000, minFrequency: 6 });
    expect(frequentOnly.merges.map((m) => m.join(' '))).toEqual(['e s', 'es t', 'est </w>', 'l o', 'lo w', 'e w', 'ew est</w>', 'n ewest</w>']);
  });

  it('matches a recount-everything reference on a random corpus', () => {
    let seed = 7;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const words: string[] = [];
    for (let i = 0; i < 400; i++) {
      const len = 1 + Math.floor(rand() * 7);
      words.push(Array.from({ length: len }, () => 'abcde'[Math.floor(rand() * 5)]).join(''));
    }
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const bpe = BPETokenizer.train([words.join(' ')], { vocabSize: 60, minFrequency: 1 });
    expect(bpe.merges).toEqual(referenceMerges(counts, bpe.merges.length));
    expect(bpe.merges.length).toBeGreaterThan(20);
    // Run to exhaustion (every word one symbol): exercises every stale-heap-entry path.
    const all = BPETokenizer.train([words.join(' ')], { vocabSize: 1e6, minFrequency: 1 });
    expect(all.merges).toEqual(referenceMerges(counts, Infinity));
    expect(all.tokenize(words.slice(0, 50).join(' '))).toEqual(words.slice(0, 50).map((w) => `${w}</w>`));
  });

  it('does not depend on the order of the texts', () => {
    const a = BPETokenizer.train(TOY, { vocabSize: 40, minFrequency: 1 });
    const b = BPETokenizer.train([...TOY].reverse(), { vocabSize: 40, minFrequency: 1 });
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('encodes with the learnt merges and decodes back to the text', () => {
    const bpe = BPETokenizer.train(TOY, { vocabSize: 100, minFrequency: 2 });
    expect(bpe.tokenize('newest lowest')).toEqual(['newest</w>', 'low', 'est</w>']);
    for (const text of ['newest low', 'lowest widest newer', 'we do it', 'low']) {
      expect(bpe.decode(bpe.encode(text))).toBe(text);
    }
    const ids = bpe.encode('lowx');
    expect(ids).toContain(bpe.unkId); // 'x' was never seen
    expect(bpe.decode([0, ...bpe.encode('low'), 0])).toBe('low'); // padding is dropped
    expect(() => bpe.decode([bpe.size])).toThrow(/id \d+ at position 0 is outside the vocabulary/);
  });

  it('round-trips Unicode text and serializes to JSON', () => {
    const corpus = ['naïve café 👍 naïveté', 'cafés naïve 👍👍'];
    const bpe = BPETokenizer.train(corpus, { vocabSize: 60, minFrequency: 1, lower: true });
    for (const t of ['Naïve café 👍', 'cafés']) expect(bpe.decode(bpe.encode(t))).toBe(t.toLowerCase());
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
    expect(back).toBeInstanceOf(BPETokenizer);
    expect((back as BPETokenizer).encode('naïve cafés')).toEqual(bpe.encode('naïve cafés'));
  });

  it('rejects impossible options with a clear message', () => {
    expect(() => BPETokenizer.train(TOY, { vocabSize: 5 })).toThrow(/vocabSize 5 is smaller than the 2 specials \+ end-of-word marker \+ 10 distinct characters/);
    expect(() => BPETokenizer.train(['   '], { vocabSize: 50 })).toThrow(/the corpus has no words/);
    expect(() => BPETokenizer.fromJSON({ type: 'bpe', vocab: ['<pad>', '<unk>', 'a'], numSpecials: 2, normalize: 'NFC', merges: [['a', 'b']] })).toThrow(
      /merge \["a", "b"\] makes "ab", which is not in vocab/,
    );
  });
});
