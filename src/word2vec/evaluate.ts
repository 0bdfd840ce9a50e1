/**
 * Evaluating word vectors: analogy accuracy counted as word2vec.c's compute-accuracy, and rank
 * correlation with human similarity judgements (WordSim-353, SimLex-999, MEN). Used through
 * `KeyedVectors.evaluateAnalogies` / `evaluateWordPairs`.
 */

/** What the evaluations need from a set of word vectors. */
export interface EvalVectors {
  readonly words: readonly string[];
  readonly dim: number;
  readonly size: number;
  /** (V, E) unit-length rows */
  normed(): Float32Array;
}

export interface AnalogyCounts {
  correct: number;
  /** questions with all four words in the (restricted) vocabulary */
  seen: number;
  /** questions in the file */
  total: number;
  /** correct / seen (0 when nothing was seen) */
  accuracy: number;
}

export interface AnalogySection extends AnalogyCounts {
  section: string;
}

export interface AnalogyResult {
  sections: AnalogySection[];
  /** sections 1–5, as compute-accuracy counts them */
  semantic: AnalogyCounts;
  /** sections 6 onwards */
  syntactic: AnalogyCounts;
  all: AnalogyCounts;
  /** all.seen / all.total */
  coverage: number;
}

export interface AnalogyOptions {
  /** Only the first n words are candidates and may appear in questions; default 30000 (compute-accuracy's usual threshold). */
  restrictVocab?: number;
  /** Upper-case questions and vocabulary (the first, most frequent, spelling wins); default true. */
  caseInsensitive?: boolean;
  /** '3cosadd' (argmax cos(d, b − a + c), compute-accuracy) or '3cosmul' (Levy & Goldberg); default '3cosadd'. */
  method?: '3cosadd' | '3cosmul';
}

export interface WordPairsOptions {
  /** Only the first n words count as known; default 300000 (gensim). */
  restrictVocab?: number;
  /** default true */
  caseInsensitive?: boolean;
  /** Field separator; default: tab if the line has one, else comma if it has one, else whitespace. */
  delimiter?: string;
  /** Zero-based column of the human score; default 2. */
  scoreColumn?: number;
}

export interface WordPairsResult {
  /** Spearman ρ over the pairs with both words known (ties get average ranks) */
  spearman: number;
  pearson: number;
  /** unknown pairs / all pairs, a fraction (gensim reports a percentage) */
  oovRatio: number;
  pairs: number;
  used: number;
}

/** min(restrictVocab, V), validated. */
export function limit(kv: { readonly size: number }, restrictVocab: number | undefined): number {
  if (restrictVocab === undefined) return kv.size;
  if (!(restrictVocab >= 0)) throw new Error(`KeyedVectors: expected restrictVocab ≥ 0, got ${restrictVocab}`);
  return Math.min(Math.floor(restrictVocab), kv.size);
}

export function dot(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[aOff + i]! * b[bOff + i]!;
  return s;
}

/** `evaluateAnalogies` on the file's text; `source` names it in errors. */
export function evaluateAnalogiesText(kv: EvalVectors, text: string, source = '<text>', opts: AnalogyOptions = {}): AnalogyResult {
  const R = limit(kv, opts.restrictVocab ?? 30000);
  const ci = opts.caseInsensitive ?? true;
  const method = opts.method ?? '3cosadd';
  if (method !== '3cosadd' && method !== '3cosmul') throw new Error(`KeyedVectors: evaluateAnalogies: expected method '3cosadd' or '3cosmul', got '${String(method)}'`);
  const key = (w: string): string => (ci ? w.toUpperCase() : w);
  const keys: string[] = [];
  const lookup = new Map<string, number>();
  for (let w = 0; w < R; w++) {
    const k = key(kv.words[w]!);
    keys.push(k);
    if (!lookup.has(k)) lookup.set(k, w);
  }
  const sections: AnalogySection[] = [];
  // Seen questions: a, b, c rows, expected key, section.
  const qa: number[] = [];
  const qb: number[] = [];
  const qc: number[] = [];
  const qd: string[] = [];
  const qs: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line.length === 0) continue;
    if (line.startsWith(':')) {
      sections.push({ section: line.slice(1).trim(), correct: 0, seen: 0, total: 0, accuracy: 0 });
      continue;
    }
    const t = line.split(/\s+/);
    if (t.length !== 4) throw new Error(`${source}: line ${ln + 1}: expected 4 words 'a b c d', got ${t.length}: '${line}'`);
    if (sections.length === 0) sections.push({ section: '', correct: 0, seen: 0, total: 0, accuracy: 0 });
    const s = sections.length - 1;
    sections[s]!.total++;
    const [a, b, c, d] = t.map((w) => lookup.get(key(w)));
    if (a === undefined || b === undefined || c === undefined || d === undefined) continue;
    sections[s]!.seen++;
    qa.push(a);
    qb.push(b);
    qc.push(c);
    qd.push(key(t[3]!));
    qs.push(s);
  }
  const answers =
    method === '3cosadd' ? answer3CosAdd(kv, qa, qb, qc, R) : qa.map((a, q) => answerCosmul(kv, a, qb[q]!, qc[q]!, R));
  for (let q = 0; q < qa.length; q++) {
    const best = answers[q]!;
    if (best >= 0 && keys[best] === qd[q]) sections[qs[q]!]!.correct++;
  }
  const sum = (from: number, to: number): AnalogyCounts => {
    const r = { correct: 0, seen: 0, total: 0, accuracy: 0 };
    for (const s of sections.slice(from, to)) {
      r.correct += s.correct;
      r.seen += s.seen;
      r.total += s.total;
    }
    r.accuracy = r.seen > 0 ? r.correct / r.seen : 0;
    return r;
  };
  for (const s of sections) s.accuracy = s.seen > 0 ? s.correct / s.seen : 0;
  const all = sum(0, sections.length);
  return { sections, semantic: sum(0, 5), syntactic: sum(5, sections.length), all, coverage: all.total > 0 ? all.seen / all.total : 0 };
}

/**
 * For each question, the row c ∉ {a, b, c} in [0, R) maximizing n_c·(n_b − n_a + n_c'), or −1 when
 * no score is positive (compute-accuracy starts its best score at 0). Four questions at a time
 * share each candidate row.
 */
function answer3CosAdd(kv: EvalVectors, qa: number[], qb: number[], qc: number[], R: number): Int32Array {
  const E = kv.dim;
  const n = kv.normed();
  const Q = qa.length;
  const out = new Int32Array(Q).fill(-1);
  const B = 4;
  const query = new Float64Array(B * E);
  const best = new Float64Array(B);
  const sc = new Float64Array(B);
  for (let q0 = 0; q0 < Q; q0 += B) {
    const nq = Math.min(B, Q - q0);
    query.fill(0);
    for (let j = 0; j < nq; j++) {
      const a = qa[q0 + j]! * E;
      const b = qb[q0 + j]! * E;
      const c = qc[q0 + j]! * E;
      for (let e = 0; e < E; e++) query[j * E + e] = n[b + e]! - n[a + e]! + n[c + e]!;
    }
    best.fill(0);
    for (let w = 0; w < R; w++) {
      const r = w * E;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let e = 0; e < E; e++) {
        const x = n[r + e]!;
        s0 += x * query[e]!;
        s1 += x * query[E + e]!;
        s2 += x * query[2 * E + e]!;
        s3 += x * query[3 * E + e]!;
      }
      sc[0] = s0;
      sc[1] = s1;
      sc[2] = s2;
      sc[3] = s3;
      for (let j = 0; j < nq; j++) {
        if (sc[j]! > best[j]!) {
          const q = q0 + j;
          if (w === qa[q] || w === qb[q] || w === qc[q]) continue;
          best[j] = sc[j]!;
          out[q] = w;
        }
      }
    }
  }
  return out;
}

function answerCosmul(kv: EvalVectors, a: number, b: number, c: number, R: number): number {
  const E = kv.dim;
  const n = kv.normed();
  let best = -1;
  let bestScore = -Infinity;
  for (let w = 0; w < R; w++) {
    if (w === a || w === b || w === c) continue;
    const r = w * E;
    const s = ((1 + dot(n, r, n, b * E, E)) * (1 + dot(n, r, n, c * E, E))) / 4 / ((1 + dot(n, r, n, a * E, E)) / 2 + 1e-6);
    if (s > bestScore) {
      bestScore = s;
      best = w;
    }
  }
  return best;
}

/** `evaluateWordPairs` on the file's text; `source` names it in errors. */
export function evaluateWordPairsText(kv: EvalVectors, text: string, source = '<text>', opts: WordPairsOptions = {}): WordPairsResult {
  const R = limit(kv, opts.restrictVocab ?? 300000);
  const ci = opts.caseInsensitive ?? true;
  const col = opts.scoreColumn ?? 2;
  const key = (w: string): string => (ci ? w.toUpperCase() : w);
  const lookup = new Map<string, number>();
  for (let w = 0; w < R; w++) {
    const k = key(kv.words[w]!);
    if (!lookup.has(k)) lookup.set(k, w);
  }
  const gold: number[] = [];
  const model: number[] = [];
  let pairs = 0;
  let firstData = true;
  const n = kv.normed();
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const delim = opts.delimiter ?? (line.includes('\t') ? '\t' : line.includes(',') ? ',' : /\s+/);
    const f = line.split(delim).map((s) => s.trim());
    const score = f.length > col ? Number(f[col]) : NaN;
    if (f.length <= col || f[col] === '' || Number.isNaN(score)) {
      if (firstData) {
        firstData = false;
        continue;
      }
      throw new Error(`${source}: line ${ln + 1}: expected 'word1 word2 score' with a numeric score in column ${col + 1}, got '${line}'`);
    }
    firstData = false;
    pairs++;
    const a = lookup.get(key(f[0]!));
    const b = lookup.get(key(f[1]!));
    if (a === undefined || b === undefined) continue;
    gold.push(score);
    model.push(dot(n, a * kv.dim, n, b * kv.dim, kv.dim));
  }
  return { spearman: spearman(gold, model), pearson: pearson(gold, model), oovRatio: pairs > 0 ? (pairs - gold.length) / pairs : 0, pairs, used: gold.length };
}

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(x: readonly number[]): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]!] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation (NaN with fewer than 2 points or zero variance). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman ρ: Pearson correlation of average ranks (scipy.stats.spearmanr). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(averageRanks(x), averageRanks(y));
}
