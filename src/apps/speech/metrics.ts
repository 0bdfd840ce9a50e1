/**
 * Speech recognition scores: character and word error rates by edit distance, and accuracy.
 *
 *   CER = Σ_i lev(chars(h_i), chars(r_i)) / Σ_i |chars(r_i)|,  WER likewise over words
 *
 * with lev the Levenshtein distance (unit-cost insertions, deletions, substitutions); transcripts
 * are compared after collapsing whitespace. Accuracy is the share of exact matches.
 */
import { normalizeTranscript } from './data.js';

/** Levenshtein distance between two token sequences (unit costs). */
export function levenshtein<T>(a: readonly T[], b: readonly T[]): number {
  const m = b.length;
  const row = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= m; j++) {
      const up = row[j]!;
      row[j] = Math.min(diag + (a[i - 1] === b[j - 1] ? 0 : 1), up + 1, row[j - 1]! + 1);
      diag = up;
    }
  }
  return row[m]!;
}

/** Scores of a set of hypotheses against references. */
export interface SpeechScores {
  utterances: number;
  /** Share of hypotheses equal to their reference. */
  accuracy: number;
  /** Character error rate (spaces count as characters). */
  cer: number;
  /** Word error rate (for digit strings: the digit error rate). */
  wer: number;
  charErrors: number;
  refChars: number;
  wordErrors: number;
  refWords: number;
}

/** CER, WER and accuracy of `hyps` against `refs` (same order). */
export function scoreTranscripts(hyps: readonly string[], refs: readonly string[]): SpeechScores {
  if (hyps.length !== refs.length) throw new Error(`scoreTranscripts: ${hyps.length} hypotheses but ${refs.length} references`);
  let exact = 0;
  let ce = 0;
  let rc = 0;
  let we = 0;
  let rw = 0;
  hyps.forEach((h0, i) => {
    const h = normalizeTranscript(h0);
    const r = normalizeTranscript(refs[i]!);
    if (h === r) exact++;
    ce += levenshtein([...h], [...r]);
    rc += [...r].length;
    const hw = h ? h.split(' ') : [];
    const rwds = r ? r.split(' ') : [];
    we += levenshtein(hw, rwds);
    rw += rwds.length;
  });
  const n = hyps.length;
  return { utterances: n, accuracy: n ? exact / n : NaN, cer: rc ? ce / rc : 0, wer: rw ? we / rw : 0, charErrors: ce, refChars: rc, wordErrors: we, refWords: rw };
}
