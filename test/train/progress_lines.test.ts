/**
 * ProgressBar when its stream is not a terminal (stderr redirected to a log file: `isTTY` false or
 * absent): one plain line per epoch — epoch n/N, elapsed time, loss and the validation metrics —
 * with no carriage returns or ANSI codes, however many batches ran; `json` gives JSON lines
 * instead, even on a TTY. Long epochs are simulated with fake `performance.now()`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logs, TrainingContext } from '../../src/train/callbacks.js';
import { ProgressBar } from '../../src/train/progress.js';

function ctx(epochs: number, stepsPerEpoch: number): TrainingContext {
  return { epochs, stepsPerEpoch, stopTraining: false, stopReason: null, history: {}, rngState: () => [] } as unknown as TrainingContext;
}

/** Drives `bar` through `epochs` epochs of `steps` batches, each batch taking `msPerStep`. */
function drive(bar: ProgressBar, c: TrainingContext, msPerStep: number, endLogs: (epoch: number) => Logs): void {
  for (let e = 0; e < c.epochs; e++) {
    bar.onEpochBegin(e);
    for (let s = 0; s < c.stepsPerEpoch; s++) {
      vi.advanceTimersByTime(msPerStep);
      bar.onBatchEnd(s, { loss: 2 - s / c.stepsPerEpoch }, c);
    }
    bar.onEpochEnd(e, endLogs(e), c);
  }
  bar.onTrainEnd({}, c);
}

describe('ProgressBar on a stream that is not a TTY', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance'] }));
  afterEach(() => vi.useRealTimers());

  const logs = (e: number): Logs => ({ loss: 1.5 / (e + 1), val_loss: 1.75 / (e + 1), val_accuracy: 0.5 + 0.125 * e, lr: 1e-3 });

  for (const [what, isTTY] of [['isTTY false', false], ['isTTY absent (a file stream)', undefined]] as const) {
    it(`${what}: exactly one plain line per 13-minute epoch with loss, validation metrics and elapsed time`, () => {
      const writes: string[] = [];
      const stream = isTTY === undefined ? { write: (s: string) => writes.push(s) } : { write: (s: string) => writes.push(s), isTTY };
      // 3 epochs of 1,560 batches at 0.5 s = 13 minutes each
      drive(new ProgressBar({ stream }), ctx(3, 1560), 500, logs);
      const out = writes.join('');
      expect(out).not.toMatch(/[\r\x1b]/);
      expect(writes).toEqual([
        'epoch 1/3  13:00  loss 1.5000  val_loss 1.7500  val_accuracy 0.5000\n',
        'epoch 2/3  13:00  loss 0.7500  val_loss 0.8750  val_accuracy 0.6250\n',
        'epoch 3/3  13:00  loss 0.5000  val_loss 0.5833  val_accuracy 0.7500\n',
      ]);
    });
  }

  it('a TTY gets the redrawn bar instead; json gets JSON lines even on a TTY', () => {
    const tty: string[] = [];
    drive(new ProgressBar({ stream: { write: (s: string) => tty.push(s), isTTY: true } }), ctx(1, 20), 500, logs);
    expect(tty.length).toBeGreaterThan(1);
    expect(tty[0]).toMatch(/^\r\x1b\[Kepoch 1\/1 \[/);
    expect(tty.at(-1)).toBe('\r\x1b[Kepoch 1/1  0:10  loss 1.5000  val_loss 1.7500  val_accuracy 0.5000\n');

    const json: string[] = [];
    drive(new ProgressBar({ stream: { write: (s: string) => json.push(s), isTTY: true }, json: true }), ctx(2, 20), 500, logs);
    expect(json.join('')).not.toMatch(/[\r\x1b]/);
    expect(json.map((l) => JSON.parse(l) as unknown)).toEqual([
      { event: 'epoch', epoch: 1, epochs: 2, seconds: 10, loss: 1.5, val_loss: 1.75, val_accuracy: 0.5, lr: 1e-3 },
      { event: 'epoch', epoch: 2, epochs: 2, seconds: 10, loss: 0.75, val_loss: 0.875, val_accuracy: 0.625, lr: 1e-3 },
    ]);
  });
});
