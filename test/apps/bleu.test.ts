import { describe, expect, it } from 'vitest';
import { computeBleu, corpusBleu, formatBleu, tokenize13a } from '../../src/apps/metrics/bleu.js';
import { editDistance, g2pScores, sequenceErrorRate, tokenErrorRate } from '../../src/apps/metrics/edit_distance.js';

// Expected values are sacreBLEU's own test cases (mjpost/sacrebleu test/test_bleu.py at commit
// 785d26bb, test/test_sentence_bleu.py at 27bec349) and its README example; `raw` below is its
// `raw_corpus_bleu(sys, refs, v)` = corpus_bleu(tokenize='none', smooth_method='floor',
// smooth_value=v, use_effective_order=True).

const EPS = 1e-8;
const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

const raw = (h: string[], r: string[][], v = 0.1): number => corpusBleu(h, r, { tokenize: 'none', smoothMethod: 'floor', smoothValue: v, effectiveOrder: true }).score / 100;

describe('corpus BLEU = sacreBLEU', () => {
  it('README example: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)', () => {
    const s = corpusBleu(HYPS, REFS);
    expect(Math.abs(s.score - 48.530827)).toBeLessThan(EPS * 100);
    expect(formatBleu(s)).toBe('BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
  });

  it('test_corpus_bleu cases', () => {
    const cases: [string[], Parameters<typeof corpusBleu>[2], number][] = [
      [HYPS, {}, 48.530827],
      [['', '', ''], {}, 0.0],
      [HYPS, { tokenize: 'none' }, 49.1919566],
      [HYPS, { tokenize: '13a' }, 48.530827],
      [HYPS, { smoothMethod: 'none' }, 48.530827],
    ];
    for (const [h, o, want] of cases) expect(Math.abs(corpusBleu(h, REFS, o).score - want), JSON.stringify(o)).toBeLessThan(1e-6);
  });

  it('test_max_ngram_order', () => {
    const want = ['77.65', '60.50', '53.93', '48.53', '46.14', '43.28'];
    want.forEach((w, k) => expect(corpusBleu(HYPS, REFS, { maxNgramOrder: k + 1 }).score.toFixed(2)).toBe(w));
  });

  it('test_raw_bleu and test_effective_order', () => {
    const cases: [string[], string[][], number][] = [
      [['this is a test', 'another test'], [['ref1', 'ref2']], 0.0],
      [['this is a test'], [['this is a test']], 1.0],
      [['this is a fest'], [['this is a test']], 0.223606797749979],
      [['test'], [['a test']], 0.3678794411714425],
      [['a test'], [['a test']], 1.0],
      [['a little test'], [['a test']], 0.03218297948685433],
    ];
    for (const [h, r, want] of cases) expect(Math.abs(raw(h, r, 0.01) - want), h.join('|')).toBeLessThan(EPS);
  });

  it('test_statistics and test_offset', () => {
    const h = ['am I am a character sequence'];
    const r = [['I am a symbol string sequence a a']];
    const s = corpusBleu(h, r, { tokenize: 'none', smoothMethod: 'floor', smoothValue: 0.01, effectiveOrder: true });
    expect(s.counts).toEqual([4, 2, 1, 0]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
    expect(Math.abs(raw(h, r, 0) - 0)).toBeLessThan(EPS);
    expect(Math.abs(raw(h, r) - 0.1555722182)).toBeLessThan(EPS); // floor's default 0.1
  });

  it('test_scoring and test_degenerate_statistics (compute_bleu from statistics)', () => {
    expect(Math.abs(computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).score / 100 - 0.8375922397)).toBeLessThan(EPS);
    const degenerate: [number[], number[], number, number, number][] = [
      [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
      [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
      [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
      [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
      [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
      [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
    ];
    for (const [c, t, sys, ref, v] of degenerate) expect(computeBleu(c, t, sys, ref, { smoothMethod: 'floor', smoothValue: v }).score).toBe(0);
  });

  it('test_sentence_bleu: smoothing methods and tokenisers on one sentence (effective order)', () => {
    const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
    const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
    const cases: [Parameters<typeof corpusBleu>[2], number][] = [
      [{ smoothMethod: 'exp' }, 8.493],
      [{ smoothMethod: 'none' }, 0.0],
      [{ smoothMethod: 'floor' }, 4.51688],
      [{ smoothMethod: 'floor', smoothValue: 0.1 }, 4.51688],
      [{ smoothMethod: 'floor', smoothValue: 0.5 }, 10.1],
      [{ smoothMethod: 'add-k' }, 14.882],
      [{ smoothMethod: 'add-k', smoothValue: 1 }, 14.882],
      [{ smoothMethod: 'add-k', smoothValue: 2 }, 21.389],
      [{ smoothMethod: 'exp', tokenize: 'none' }, 7.347],
    ];
    for (const [o, want] of cases) expect(Math.abs(corpusBleu([SYS], [[REF]], { ...o, effectiveOrder: true }).score - want), JSON.stringify(o)).toBeLessThan(1e-3);
    for (const smoothMethod of ['exp', 'none', 'floor', 'add-k'] as const)
      expect(corpusBleu(['this is a cat'], [['okay thanks']], { smoothMethod, effectiveOrder: true }).score).toBe(0);
  });

  it('13a tokenisation', () => {
    expect(tokenize13a("It wasn't surprising.")).toBe("It wasn't surprising .");
    expect(tokenize13a('3.14, 1,000 and 2-3 (x)&quot;y&quot;')).toBe('3.14 , 1,000 and 2 - 3 ( x ) " y "');
    expect(tokenize13a('a-\nb <skipped> c\nd')).toBe('ab c d');
  });

  it('rejects malformed input with a clear message', () => {
    expect(() => corpusBleu(['a'], [['a', 'b']])).toThrow(/reference stream 0 has 2 segments, the hypotheses 1/);
    expect(() => corpusBleu(['a'], [['']])).toThrow(/segment 0 has no \(non-empty\) reference/);
    expect(() => corpusBleu(['a'], ['a'] as unknown as string[][])).toThrow(/list of reference streams/);
  });
});

describe('edit distance, WER and PER with several references', () => {
  it('Levenshtein distance', () => {
    expect(editDistance([], [])).toBe(0);
    expect(editDistance(['a'], [])).toBe(1);
    expect(editDistance([...'kitten'], [...'sitting'])).toBe(3);
    expect(editDistance([...'flaw'], [...'lawn'])).toBe(2);
    expect(editDistance(['K', 'AE', 'T'], ['K', 'AH', 'T', 'S'])).toBe(2);
  });

  it('takes the closest reference per item (ties: the longest), as CMUdict G2P scoring', () => {
    const hyps = [
      ['R', 'IY', 'D'], // read: matches its 2nd pronunciation
      ['T', 'AH', 'M', 'EY', 'T', 'OW'], // tomato: 1 edit from T AH M AA T OW, 1 from T AH M EY T OW Z (longer)
      ['L', 'IY', 'D'], // lead: no match, 1 edit from L EH D
    ];
    const refs = [
      [['R', 'EH', 'D'], ['R', 'IY', 'D']],
      [['T', 'AH', 'M', 'AA', 'T', 'OW'], ['T', 'AH', 'M', 'EY', 'T', 'OW', 'Z']],
      [['L', 'EH', 'D']],
    ];
    const t = tokenErrorRate(hyps, refs);
    expect(t).toEqual({ errors: 0 + 1 + 1, refTokens: 3 + 7 + 3, rate: 2 / 13 });
    expect(sequenceErrorRate(hyps, refs)).toEqual({ errors: 2, total: 3, rate: 2 / 3 });
    const g = g2pScores(hyps, refs);
    expect(g.wer).toBeCloseTo(66.6667, 3);
    expect(g.per).toBeCloseTo((100 * 2) / 13, 10);
    expect(g.words).toBe(3);
    expect(() => g2pScores([['a']], [[]])).toThrow(/item 0 has no reference/);
    expect(() => g2pScores([['a']], [])).toThrow(/1 hypotheses but 0 reference lists/);
  });
});
