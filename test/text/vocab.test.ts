import { describe, expect, it } from 'vitest';
import { LabelEncoder } from '../../src/text/labels.js';
import { Vocabulary } from '../../src/text/vocab.js';

const streams = [
  ['the', 'cat', 'sat', 'on', 'the', 'mat'],
  ['the', 'dog', 'sat'],
  ['a', 'cat', '<pad>'],
];

describe('Vocabulary', () => {
  it('puts specials first (pad 0, unk 1), then frequency descending, ties by string order', () => {
    const v = Vocabulary.build(streams);
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'the', 'cat', 'sat', 'a', 'dog', 'mat', 'on']);
    expect([v.padId, v.unkId, v.size]).toEqual([0, 1, 9]);
  });

  it('ids do not depend on the order of the corpus', () => {
    const shuffled = [streams[2]!, [...streams[0]!].reverse(), streams[1]!];
    expect(Vocabulary.build(shuffled).tokens).toEqual(Vocabulary.build(streams).tokens);
  });

  it('minFreq drops rare tokens; maxSize keeps the most frequent (specials count)', () => {
    expect(Vocabulary.build(streams, { minFreq: 2 }).tokens).toEqual(['<pad>', '<unk>', 'the', 'cat', 'sat']);
    expect(Vocabulary.build(streams, { maxSize: 4 }).tokens).toEqual(['<pad>', '<unk>', 'the', 'cat']);
  });

  it('maps out-of-vocabulary tokens to unk and decodes ids', () => {
    const v = Vocabulary.build(streams, { minFreq: 2 });
    expect(v.encode(['the', 'zebra', 'cat'])).toEqual([2, 1, 3]);
    expect(v.decode([0, 2, 1])).toEqual(['<pad>', 'the', '<unk>']);
    expect(v.decode([0, 0, 2], { skipPad: true })).toEqual(['the']);
    expect(v.idOf('zebra')).toBe(1);
    expect(v.has('the')).toBe(true);
    expect(v.coverage([['the', 'zebra', 'cat', 'dog']])).toBeCloseTo(0.5);
    expect(() => v.decode([2, 99])).toThrow(/id 99 at position 1 is outside the vocabulary \(size 5\)/);
  });

  it('supports custom specials and validates them', () => {
    const v = Vocabulary.build(streams, { specials: ['<pad>', '<unk>', '<bos>', '<eos>'], maxSize: 6 });
    expect(v.tokens).toEqual(['<pad>', '<unk>', '<bos>', '<eos>', 'the', 'cat']);
    const w = Vocabulary.build(streams, { specials: ['[UNK]', '[PAD]'], padToken: '[PAD]', unkToken: '[UNK]' });
    expect([w.padId, w.unkId]).toEqual([1, 0]);
    expect(() => Vocabulary.build(streams, { specials: ['<pad>'] })).toThrow(/unkToken "<unk>" is not among specials/);
    expect(() => Vocabulary.build(streams, { maxSize: 1 })).toThrow(/maxSize 1 cannot hold the 2 special tokens/);
    expect(() => Vocabulary.build(['abc' as never])).toThrow(/expected token lists .* got a string at position 0/);
  });

  it('round-trips through JSON and validates what it reads', () => {
    const v = Vocabulary.build(streams, { minFreq: 2 });
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.encode(['cat', 'x'])).toEqual(v.encode(['cat', 'x']));
    expect(() => Vocabulary.fromJSON({ type: 'vocabulary', tokens: ['<pad>', '<unk>', 'a', 'a'], numSpecials: 2, padId: 0, unkId: 1 })).toThrow(
      /token "a" appears more than once/,
    );
    expect(() => Vocabulary.fromJSON({ type: 'vocabulary', tokens: ['<pad>', '<unk>'], numSpecials: 2, padId: 0, unkId: 5 })).toThrow(/unkId must be the id of a special token/);
    expect(Vocabulary.fromTokens(['<pad>', '<unk>', 'good']).idOf('good')).toBe(2);
  });
});

describe('LabelEncoder', () => {
  it('sorts string labels; numeric labels numerically', () => {
    expect(LabelEncoder.fit(['pos', 'neg', 'pos', 'neutral']).classes).toEqual(['neg', 'neutral', 'pos']);
    expect(LabelEncoder.fit(['10', '2', '1', '2']).classes).toEqual(['1', '2', '10']);
    expect(LabelEncoder.fit([3, 1, -0.5]).classes).toEqual(['-0.5', '1', '3']);
    expect(LabelEncoder.fit(['b', 'a']).classes).toEqual(LabelEncoder.fit(['a', 'b']).classes);
  });

  it('encodes, decodes, rejects unknown labels, round-trips through JSON', () => {
    const enc = LabelEncoder.fit(['pos', 'neg']);
    expect(Array.from(enc.encode(['pos', 'neg', 'pos']))).toEqual([1, 0, 1]);
    expect(enc.decode([0, 1])).toEqual(['neg', 'pos']);
    expect(() => enc.encode(['pos', 'Pos'])).toThrow(/unknown label "Pos" at position 1; known labels: "neg", "pos"/);
    expect(LabelEncoder.fromJSON(JSON.parse(JSON.stringify(enc))).classes).toEqual(['neg', 'pos']);
    expect(() => LabelEncoder.fit([])).toThrow(/no labels/);
  });
});
