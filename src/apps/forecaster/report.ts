/**
 * Plain-language verdicts: does the model beat the naive baselines? Every forecaster report
 * prints these lines beside the metric table, and says so plainly when the model loses.
 */
import type { BaselineComparison, MetricValues } from '../../timeseries/evaluate.js';
import { formatComparison } from '../../timeseries/evaluate.js';

/** One model-vs-baseline judgement on MSE and MAE. */
export interface BaselineVerdict {
  baseline: string;
  /** `beats`: lower MSE and MAE; `loses`: higher both; `mixed`: one each (or a tie). */
  outcome: 'beats' | 'loses' | 'mixed';
  model: { mse: number; mae: number };
  reference: { mse: number; mae: number };
}

/** Direction (up / down) accuracy of the model beside "always the training majority direction". */
export interface DirectionReport {
  /** Share of forecast points whose direction from the origin value matches the actual one. */
  model: number;
  /** The more frequent direction of one-step moves in the training part. */
  majority: 'up' | 'down';
  /** Accuracy of always forecasting `majority`. */
  majorityAccuracy: number;
}

function pct(model: number, ref: number): string {
  if (!(ref > 0)) return '';
  const d = (100 * (model - ref)) / ref;
  return ` (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)}%)`;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : v.toFixed(a >= 100 ? 2 : 4);
}

/** Judges the model against each baseline of a comparison (needs `cmp.model`). */
export function judge(cmp: BaselineComparison): BaselineVerdict[] {
  if (!cmp.model) return [];
  const m = cmp.model;
  const rows: [string, MetricValues][] = [['persistence', cmp.persistence]];
  if (cmp.seasonalNaive) rows.push([`seasonal naive (m=${cmp.season})`, cmp.seasonalNaive]);
  return rows.map(([baseline, r]) => {
    const better = (m.mse! < r.mse! ? 1 : 0) + (m.mae! < r.mae! ? 1 : 0);
    const worse = (m.mse! > r.mse! ? 1 : 0) + (m.mae! > r.mae! ? 1 : 0);
    const outcome = better === 2 ? 'beats' : worse === 2 ? 'loses' : 'mixed';
    return { baseline, outcome, model: { mse: m.mse!, mae: m.mae! }, reference: { mse: r.mse!, mae: r.mae! } };
  });
}

/**
 * Sentences for a comparison, ending with an overall statement; with `direction`, a sentence
 * about up/down calls too.
 *
 * @example
 * verdictLines(judge(cmp));
 * // [ 'The model beats persistence: MSE 0.5400 vs 1.2220 (−55.8%), MAE 0.5100 vs 0.6710 (−24.0%).', ... ]
 */
export function verdictLines(verdicts: readonly BaselineVerdict[], direction?: DirectionReport): string[] {
  const lines: string[] = [];
  for (const v of verdicts) {
    const nums = `MSE ${fmt(v.model.mse)} vs ${fmt(v.reference.mse)}${pct(v.model.mse, v.reference.mse)}, MAE ${fmt(v.model.mae)} vs ${fmt(v.reference.mae)}${pct(v.model.mae, v.reference.mae)}`;
    if (v.outcome === 'beats') lines.push(`The model beats ${v.baseline}: ${nums}.`);
    else if (v.outcome === 'loses') lines.push(`The model does NOT beat ${v.baseline}: ${nums}.`);
    else lines.push(`The model does not clearly beat ${v.baseline} (better on one metric, worse on the other): ${nums}.`);
  }
  const lost = verdicts.filter((v) => v.outcome !== 'beats');
  if (verdicts.length) {
    if (lost.length === 0) lines.push('Verdict: the model beats every naive baseline here.');
    else lines.push(`Verdict: the model does NOT beat ${lost.map((v) => v.baseline).join(' and ')}; on this data and horizon a naive forecast is as good or better, so prefer it.`);
  }
  if (direction) {
    const m = (100 * direction.model).toFixed(1);
    const b = (100 * direction.majorityAccuracy).toFixed(1);
    const word = direction.model > direction.majorityAccuracy ? 'beats' : 'does NOT beat';
    lines.push(`Direction: the model calls up/down right ${m}% of the time; always saying "${direction.majority}" (the training majority) gets ${b}%, so the model ${word} it.`);
  }
  return lines;
}

/** The metric table (`formatComparison`) followed by the verdict lines. */
export function formatReport(cmp: BaselineComparison, direction?: DirectionReport, digits = 4): string[] {
  const lines = formatComparison(cmp, digits);
  if (direction) lines.push(`always "${direction.majority}" (training majority): direction ${direction.majorityAccuracy.toFixed(digits)}`);
  return [...lines, '', ...verdictLines(judge(cmp), direction)];
}
