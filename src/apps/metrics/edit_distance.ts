/**
 * Edit-distance error rates over token sequences, with several references per item.
 *
 * - Token error rate (WER for words, PER for phones): Σ_i d(h_i, r_i*) / Σ_i |r_i*|, where d is
 *   the Levenshtein distance (insertions, deletions, substitutions all cost 1) and r_i* is the
 *   reference of item i closest to its hypothesis; among equally close references the longest is
 *   taken (so the rate is the lowest the references allow).
 * - Sequence error rate: the share of items whose hypothesis equals none of their references.
 *   G2P papers call this the word error rate (a *word* is one dictionary entry there); with the
 *   token error rate on phones (PER) it is the usual CMUdict evaluation.
 */

/**
 * Levenshtein distance between two token sequences (unit costs), O(|a|·|b|) time, O(|b|) memory.
 *
 * @example
 * editDistance(['K', 'AE', 'T'], ['K', 'AH', 'T', 'S']); // 2
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  const m = b.length;
  const row = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!; // d[i−1][j−1]
    row[0] = i;
    const ai = a[i - 1];
    for (let j = 1; j <= m; j++) {
      const up = row[j]!; // d[i−1][j]
      const sub = diag + (ai === b[j - 1] ? 0 : 1);
      row[j] = Math.min(sub, up + 1, row[j - 1]! + 1);
      diag = up;
    }
  }
  return row[m]!;
}

/** Errors, reference length and their ratio. */
export interface TokenErrorRate {
  /** Σ edit distances to the closest references. */
  errors: number;
  /** Σ lengths of those references. */
  refTokens: number;
  /** errors / refTokens (0 when there are no reference tokens and no errors). */
  rate: number;
}

/** Sequences that match none of their references. */
export interface SequenceErrorRate {
  errors: number;
  total: number;
  /** errors / total. */
  rate: number;
}

function checkPairs(hyps: readonly (readonly string[])[], refs: readonly (readonly (readonly string[])[])[], where: string): void {
  if (!Array.isArray(hyps) || !Array.isArray(refs)) throw new Error(`${where}: expected arrays of hypotheses and of reference lists`);
  if (hyps.length !== refs.length) throw new Error(`${where}: ${hyps.length} hypotheses but ${refs.length} reference lists`);
  refs.forEach((r, i) => {
    if (!Array.isArray(r) || r.length === 0) throw new Error(`${where}: item ${i} has no reference (expected a non-empty list of token lists)`);
  });
}

/**
 * Token error rate with several references per item (min over references).
 *
 * @param hyps token lists, one per item
 * @param refs `refs[i]` lists the references of item i (each a token list)
 * @example
 * tokenErrorRate([['K', 'AE', 'T']], [[['K', 'AA', 'T'], ['K', 'AE', 'T']]]).rate; // 0
 */
export function tokenErrorRate(hyps: readonly (readonly string[])[], refs: readonly (readonly (readonly string[])[])[]): TokenErrorRate {
  checkPairs(hyps, refs, 'tokenErrorRate');
  let errors = 0;
  let refTokens = 0;
  for (let i = 0; i < hyps.length; i++) {
    let bestD = Infinity;
    let bestLen = 0;
    for (const r of refs[i]!) {
      const d = editDistance(hyps[i]!, r);
      if (d < bestD || (d === bestD && r.length > bestLen)) {
        bestD = d;
        bestLen = r.length;
      }
    }
    errors += bestD;
    refTokens += bestLen;
  }
  return { errors, refTokens, rate: refTokens > 0 ? errors / refTokens : errors > 0 ? Infinity : 0 };
}

/**
 * Share of items whose hypothesis equals none of their references (token by token).
 *
 * @example
 * sequenceErrorRate([['a'], ['b']], [[['a']], [['c'], ['d']]]).rate; // 0.5
 */
export function sequenceErrorRate(hyps: readonly (readonly string[])[], refs: readonly (readonly (readonly string[])[])[]): SequenceErrorRate {
  checkPairs(hyps, refs, 'sequenceErrorRate');
  let errors = 0;
  for (let i = 0; i < hyps.length; i++) {
    const h = hyps[i]!;
    const hit = refs[i]!.some((r) => r.length === h.length && r.every((t, k) => t === h[k]));
    if (!hit) errors++;
  }
  return { errors, total: hyps.length, rate: hyps.length ? errors / hyps.length : 0 };
}

/** CMUdict-style G2P scores, in percent. */
export interface G2PScores {
  /** Word error rate: % of words whose pronunciation matches none of the references. */
  wer: number;
  /** Phone error rate: % phone edits to the closest reference over its length. */
  per: number;
  words: number;
  phones: number;
}

/**
 * WER and PER of grapheme-to-phoneme hypotheses against every listed pronunciation of each word.
 *
 * @example
 * g2pScores([['R', 'IY', 'D']], [[['R', 'EH', 'D'], ['R', 'IY', 'D']]]); // { wer: 0, per: 0, words: 1, phones: 3 }
 */
export function g2pScores(hyps: readonly (readonly string[])[], refs: readonly (readonly (readonly string[])[])[]): G2PScores {
  const s = sequenceErrorRate(hyps, refs);
  const t = tokenErrorRate(hyps, refs);
  return { wer: 100 * s.rate, per: 100 * t.rate, words: s.total, phones: t.refTokens };
}
