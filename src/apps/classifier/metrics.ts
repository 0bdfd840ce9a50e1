/**
 * Classification metrics: accuracy, per-class precision / recall / F1, macro averages and the
 * confusion matrix, plus a plain-text rendering of them.
 */

/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples whose true class is this one. */
  support: number;
}

/** What {@link classificationReport} (and `TextClassifier.evaluate`) return. */
export interface ClassificationReport {
  /** Number of examples scored. */
  n: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 scores. */
  macroF1: number;
  macroPrecision: number;
  macroRecall: number;
  /** One entry per class, in class-id order. */
  perClass: ClassMetrics[];
  /** `confusion[t][p]`: examples of true class t predicted as class p. */
  confusion: number[][];
  /** Class names, index = class id (rows and columns of `confusion`). */
  classes: string[];
  /** Mean cross-entropy (nats), when computed from probabilities. */
  loss?: number;
}

/**
 * Scores predicted class ids against true ones. Precision of a class never predicted, and
 * recall of a class absent from `yTrue`, are 0 (scikit-learn's `zero_division=0`).
 *
 * @example
 * const r = classificationReport([0, 1, 1], [0, 1, 0], ['neg', 'pos']);
 * r.accuracy;      // 0.667
 * r.confusion;     // [[1, 0], [1, 1]]
 */
export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: readonly string[]): ClassificationReport {
  const C = classes.length;
  const n = yTrue.length;
  if (yPred.length !== n) throw new Error(`classificationReport: ${n} true labels but ${yPred.length} predictions`);
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < C) || !(Number.isInteger(p) && p >= 0 && p < C)) {
      throw new Error(`classificationReport: example ${i} has class ids ${t} / ${p}, expected integers in [0, ${C})`);
    }
    confusion[t]![p]!++;
    if (t === p) correct++;
  }
  const perClass: ClassMetrics[] = classes.map((label, c) => {
    const tp = confusion[c]![c]!;
    let predicted = 0;
    let support = 0;
    for (let k = 0; k < C; k++) {
      predicted += confusion[k]![c]!;
      support += confusion[c]![k]!;
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const mean = (f: (m: ClassMetrics) => number): number => (C ? perClass.reduce((s, m) => s + f(m), 0) / C : 0);
  return {
    n,
    accuracy: n ? correct / n : 0,
    macroF1: mean((m) => m.f1),
    macroPrecision: mean((m) => m.precision),
    macroRecall: mean((m) => m.recall),
    perClass,
    confusion,
    classes: [...classes],
  };
}

const pct = (v: number): string => (100 * v).toFixed(2);

/**
 * A plain-text rendering of a report: accuracy and macro-F1, a per-class table and the
 * confusion matrix (rows = true class, columns = predicted class).
 *
 * @example
 * console.log(formatClassificationReport(clf.evaluate(texts, labels)));
 */
export function formatClassificationReport(r: ClassificationReport): string {
  const lines: string[] = [];
  lines.push(`accuracy  ${pct(r.accuracy)} %  (${r.n} examples)`);
  lines.push(`macro-F1  ${pct(r.macroF1)} %  (macro precision ${pct(r.macroPrecision)} %, macro recall ${pct(r.macroRecall)} %)`);
  if (r.loss !== undefined && Number.isFinite(r.loss)) lines.push(`loss      ${r.loss.toFixed(4)} (mean cross-entropy, nats)`);
  lines.push('');
  const w = Math.max(5, ...r.classes.map((c) => c.length));
  lines.push(`${'class'.padEnd(w)}  precision  recall      F1  support`);
  for (const m of r.perClass) {
    lines.push(`${m.label.padEnd(w)}  ${pct(m.precision).padStart(9)}  ${pct(m.recall).padStart(6)}  ${pct(m.f1).padStart(6)}  ${String(m.support).padStart(7)}`);
  }
  lines.push('');
  lines.push('confusion matrix (rows: true class, columns: predicted class)');
  const cw = Math.max(...r.classes.map((c) => c.length), ...r.confusion.flat().map((v) => String(v).length), 4);
  lines.push(`${''.padEnd(w)}  ${r.classes.map((c) => c.padStart(cw)).join('  ')}`);
  r.confusion.forEach((row, t) => lines.push(`${r.classes[t]!.padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join('  ')}`));
  return lines.join('\n');
}
