// The stock example from the README on the shared vega-stocks data (monthly closing prices,
// 2000-01 … 2010-03): next-step direction and a 5-step price forecast for AAPL, trained on
// 2000–2006, early-stopped on 2007, tested on 2008-01 … 2010-03. The point is the report: the
// baselines beside the model and a plain statement when the model does not beat them (it
// usually does not; monthly prices are close to a random walk). Skipped without the data.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run, tempDir } from '../util/cli.js';
import { SHARED_DATA } from '../util/shared_data.js';

const STOCKS = join(SHARED_DATA, 'vega-stocks', 'stocks.csv');
const have = existsSync(STOCKS);
if (!have) console.warn(`[forecaster] skipping the stock example: ${STOCKS} not found (set RECURRENT_DATA)`);

const dir = tempDir('recurrent-stocks-');

/** The README's command for one horizon. */
function trainArgs(horizon: number, out: string): string[] {
  return [
    'forecast', 'train', '--csv', STOCKS, '--where', 'symbol=AAPL', '--target', 'price',
    '--lookback', '12', '--horizon', String(horizon), '--log', '--difference', '1',
    '--split', '2007-01-01,2008-01-01', '--direction', '--units', '16', '--epochs', '100', '--patience', '10', '--out', out,
  ];
}

describe.skipIf(!have)('stock example (vega-stocks AAPL, monthly)', () => {
  for (const horizon of [1, 5]) {
    it(`H=${horizon}: reports persistence, seasonal naive and always-up beside the model, and says plainly whether it beats them`, async () => {
      const model = join(dir, `aapl-${horizon}.safetensors`);
      const r = await run(trainArgs(horizon, model));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('data    stocks.csv: 123 rows × 1 columns, 2000-01-01 … 2010-03-01, frequency 1M');
      expect(r.out).toContain('test rows 96–122 (2008-01-01 … 2010-03-01)');
      expect(r.out).toMatch(/^model\s+\d/m);
      expect(r.out).toMatch(/^persistence\s+\d/m);
      expect(r.out).toMatch(/^seasonal naive \(m=12\)\s+\d/m);
      expect(r.out).toMatch(/^always "(up|down)" \(training majority\): direction 0\.\d{4}$/m);
      expect(r.out).toMatch(/^Direction: the model calls up\/down right [\d.]+% of the time; always saying "(up|down)" \(the training majority\) gets [\d.]+%, so the model (beats|does NOT beat) it\.$/m);

      const e = JSON.parse((await run(['forecast', 'eval', '--model', model, '--csv', STOCKS, '--json'])).out);
      expect(e).toMatchObject({ event: 'eval', windows: 27 - horizon + 1, horizon, targets: ['price'] });
      // Persistence on AAPL's test months, from the data alone (independent of the model).
      expect(e.persistence.rmse).toBeCloseTo(horizon === 1 ? 21.3483 : 39.2045, 3);
      const verdict: string[] = e.verdict;
      if (!e.beatsBaselines) expect(verdict.join('\n')).toMatch(/^Verdict: the model does NOT beat persistence/m);
      else expect(verdict.join('\n')).toContain('Verdict: the model beats every naive baseline here.');
      const lostDirection = e.direction.model <= e.direction.majorityAccuracy;
      expect(verdict.at(-1)).toContain(lostDirection ? 'so the model does NOT beat it.' : 'so the model beats it.');
    });
  }
});
