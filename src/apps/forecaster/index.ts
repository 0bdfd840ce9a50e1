/** Time-series forecasting app: the `Forecaster` recipe, target transforms, verdicts, SVG plots. */
export { Forecaster, defaultSeason, defaultCalendar } from './forecaster.js';
export type {
  ForecasterOptions,
  ForecasterConfig,
  ForecasterState,
  ForecasterFitOptions,
  ForecasterFitReport,
  Forecast,
  ForecastEvalOptions,
  ForecastEvaluation,
  WalkForwardEvalOptions,
  StoredSplit,
} from './forecaster.js';
export { TargetTransform } from './transforms.js';
export type { TargetTransformSpec } from './transforms.js';
export { judge, verdictLines, formatReport } from './report.js';
export type { BaselineVerdict, DirectionReport } from './report.js';
export { ForecastConcat } from './network.js';
export { lineChartSVG, niceTicks, timeTicks, PLOT_COLORS } from './plot.js';
export type { PlotSeries, PlotOptions } from './plot.js';
