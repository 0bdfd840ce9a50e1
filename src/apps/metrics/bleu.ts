/**
 * Corpus BLEU (Papineni et al. 2002) computed exactly as sacreBLEU 2.x's default
 * `BLEU().corpus_score(hyps, [refs1, refs2, ...])`: mteval-v13a tokenisation, mixed case,
 * maximum n-gram order 4, `exp` smoothing (NIST), no effective order.
 *
 *   per segment:  c_n = Σ_g min(count_hyp(g), max_r count_r(g)),  t_n = number of hypothesis n-grams
 *                 r = the reference length closest to the hypothesis length (ties: the shorter)
 *   corpus:       C_n = Σ c_n,  T_n = Σ t_n,  h = Σ |hyp|,  R = Σ r
 *   p_n = 100 · C_n / T_n;  exp smoothing: the k-th order with C_n = 0 gets p_n = 100 / (2^k · T_n)
 *   BP  = 1 if h ≥ R, else exp(1 − R / h) (0 if h = 0)
 *   BLEU = BP · exp( (1/N) Σ_n log p_n ), and 0 when no n-gram of any order matches
 *
 * Each reference stream is one reference per segment; an empty string in a stream means "no
 * reference here" (variable numbers of references per segment), as in sacreBLEU.
 */

/** Options of {@link corpusBleu}; the defaults are sacreBLEU's. */
export interface BleuOptions {
  /** `'13a'` (default, mteval-v13a) or `'none'` (split on spaces only). */
  tokenize?: '13a' | 'none';
  /** Lower-case hypotheses and references first. Default false. */
  lowercase?: boolean;
  /** `'exp'` (default), `'floor'`, `'add-k'` or `'none'` (Chen & Cherry 2014 methods 3, 1, 2). */
  smoothMethod?: 'exp' | 'floor' | 'add-k' | 'none';
  /** Value of `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number;
  /** Highest n-gram order N. Default 4. */
  maxNgramOrder?: number;
  /** Average only over orders up to the last one with any hypothesis n-gram (sentence BLEU). Default false. */
  effectiveOrder?: boolean;
}

/** A BLEU score with its sufficient statistics (sacreBLEU's `BLEUScore`). */
export interface BleuScore {
  /** BLEU in [0, 100]. */
  score: number;
  /** Matched n-grams per order, C_1..C_N. */
  counts: number[];
  /** Hypothesis n-grams per order, T_1..T_N. */
  totals: number[];
  /** p_1..p_N in percent (after smoothing). */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Σ hypothesis lengths h and Σ closest reference lengths R (in tokens). */
  sysLen: number;
  refLen: number;
  /** h / R (0 if R = 0). */
  ratio: number;
}

// mteval-v13a's language-dependent rules, applied in this order (sacreBLEU tokenizer_re.py):
// the symbols {|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ / are split off everywhere; period and comma
// unless both neighbours are digits; a dash after a digit.
const RULES_13A: [RegExp, string][] = [
  [/([{-~[-` -&(-+:-@\/])/g, ' $1 '],
  [/([^0-9])([.,])/g, '$1 $2 '],
  [/([.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

/**
 * mteval-v13a tokenisation as sacreBLEU's `Tokenizer13a`: drops `<skipped>`, joins `-\n`
 * line breaks, unescapes `&quot; &amp; &lt; &gt;`, splits punctuation, collapses spaces.
 *
 * @example
 * tokenize13a("It wasn't surprising."); // "It wasn't surprising ."
 */
export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  for (const [re, rep] of RULES_13A) s = s.replace(re, rep);
  return splitSpaces(s).join(' ');
}

// Python's str.split(): runs of str.isspace() characters separate, no empty pieces.
const PY_SPACE = /[\t\n\v\f\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
function splitSpaces(s: string): string[] {
  return s.split(PY_SPACE).filter((t) => t.length > 0);
}

function preprocess(sent: string, o: Required<Pick<BleuOptions, 'tokenize' | 'lowercase'>>): string[] {
  // sacreBLEU strips trailing whitespace before tokenising (`sent.rstrip()`).
  let s = sent.replace(new RegExp(`${PY_SPACE.source}$`, 'u'), '');
  if (o.lowercase) s = s.toLowerCase();
  return splitSpaces(o.tokenize === '13a' ? tokenize13a(s) : s);
}

function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // Tokens hold no spaces (they were split on them), so this key is unambiguous.
      const key = `${n}:${tokens.slice(i, i + n).join(' ')}`;
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  return m;
}

/**
 * BLEU from sufficient statistics (sacreBLEU `BLEU.compute_bleu`, which defaults to no
 * smoothing when called directly). `correct` and `total` are not modified.
 *
 * @example
 * computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).score; // 83.75922397
 */
export function computeBleu(
  correct: readonly number[],
  total: readonly number[],
  sysLen: number,
  refLen: number,
  opts: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder' | 'maxNgramOrder'> = {},
): BleuScore {
  const method = opts.smoothMethod ?? 'none';
  const N = opts.maxNgramOrder ?? 4;
  const value = opts.smoothValue ?? (method === 'floor' ? 0.1 : method === 'add-k' ? 1 : 0);
  const counts = correct.slice(0, N);
  const totals = total.slice(0, N);
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(N).fill(0);
  const result = (score: number): BleuScore => ({ score, counts, totals, precisions, bp, sysLen, refLen, ratio: refLen ? sysLen / refLen : 0 });
  if (!counts.some((c) => c !== 0)) return result(0);
  const c = [...counts];
  const t = [...totals];
  let smoothMteval = 1;
  let effOrder = N;
  for (let n = 1; n <= N; n++) {
    if (method === 'add-k' && n > 1) {
      c[n - 1]! += value;
      t[n - 1]! += value;
    }
    if (t[n - 1] === 0) break;
    if (opts.effectiveOrder) effOrder = n;
    if (c[n - 1] === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * t[n - 1]!);
      } else if (method === 'floor') {
        precisions[n - 1] = (100 * value) / t[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100 * c[n - 1]!) / t[n - 1]!;
    }
  }
  let logSum = 0;
  for (let n = 0; n < effOrder; n++) logSum += precisions[n] === 0 ? -9999999999 : Math.log(precisions[n]!);
  return result(bp * Math.exp(logSum / effOrder));
}

/**
 * Corpus BLEU of `hypotheses` against one or more reference streams, identical to sacreBLEU's
 * `corpus_bleu(hypotheses, references)` with its defaults (13a, exp smoothing).
 *
 * @param references `references[k][i]` is the k-th reference of segment i (sacreBLEU's layout);
 *   `''` means segment i has no k-th reference.
 * @example
 * corpusBleu(['The dog bit the man.'], [['The dog bit the man.']]).score; // 100
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[], opts: BleuOptions = {}): BleuScore {
  const where = 'corpusBleu';
  const tokenize = opts.tokenize ?? '13a';
  const lowercase = opts.lowercase ?? false;
  const N = opts.maxNgramOrder ?? 4;
  if (tokenize !== '13a' && tokenize !== 'none') throw new Error(`${where}: tokenize must be '13a' or 'none', got ${JSON.stringify(tokenize)}`);
  if (!Number.isInteger(N) || N < 1) throw new Error(`${where}: maxNgramOrder must be a positive integer, got ${N}`);
  if (!Array.isArray(hypotheses)) throw new Error(`${where}: expected an array of hypothesis strings`);
  if (!Array.isArray(references) || references.length === 0 || !references.every((r) => Array.isArray(r)))
    throw new Error(`${where}: expected references as a list of reference streams (string arrays), e.g. [refs] for one reference per segment`);
  references.forEach((stream, k) => {
    if (stream.length !== hypotheses.length) throw new Error(`${where}: reference stream ${k} has ${stream.length} segments, the hypotheses ${hypotheses.length}`);
  });
  const pre = { tokenize, lowercase } as const;
  const correct = new Array<number>(N).fill(0);
  const total = new Array<number>(N).fill(0);
  let sysLen = 0;
  let refLen = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = hypotheses[i];
    if (typeof hyp !== 'string') throw new Error(`${where}: hypothesis ${i} is not a string`);
    const refNgrams = new Map<string, number>();
    const refLens: number[] = [];
    for (const stream of references) {
      const r = stream[i];
      if (r === undefined || r === null || r === '') continue;
      if (typeof r !== 'string') throw new Error(`${where}: reference of segment ${i} is not a string`);
      const toks = preprocess(r, pre);
      refLens.push(toks.length);
      for (const [g, c] of ngramCounts(toks, N)) refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, c));
    }
    if (refLens.length === 0) throw new Error(`${where}: segment ${i} has no (non-empty) reference`);
    const toks = preprocess(hyp, pre);
    const h = toks.length;
    let closest = -1;
    let closestDiff = -1;
    for (const r of refLens) {
      const d = Math.abs(h - r);
      if (closestDiff === -1 || d < closestDiff || (d === closestDiff && r < closest)) {
        closestDiff = d;
        closest = r;
      }
    }
    sysLen += h;
    refLen += closest;
    for (const [g, c] of ngramCounts(toks, N)) {
      const n = Number(g.slice(0, g.indexOf(':'))) - 1;
      total[n]! += c;
      const rc = refNgrams.get(g);
      if (rc !== undefined) correct[n]! += Math.min(c, rc);
    }
  }
  return computeBleu(correct, total, sysLen, refLen, { smoothMethod: opts.smoothMethod ?? 'exp', smoothValue: opts.smoothValue, effectiveOrder: opts.effectiveOrder ?? false, maxNgramOrder: N });
}

/** `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`, as sacreBLEU prints it. */
export function formatBleu(s: BleuScore): string {
  const prec = s.precisions.map((p) => p.toFixed(1)).join('/');
  return `BLEU = ${s.score.toFixed(2)} ${prec} (BP = ${s.bp.toFixed(3)} ratio = ${s.ratio.toFixed(3)} hyp_len = ${s.sysLen} ref_len = ${s.refLen})`;
}
