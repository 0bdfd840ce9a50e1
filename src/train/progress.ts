import type { Callback, Logs, TrainingContext } from './callbacks.js';

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function fmtLogs(logs: Logs): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'lr' && k !== 'time')
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)}`)
    .join('  ');
}

/** Where progress goes: a TTY gets a live bar, anything else one line per epoch. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  /** Print JSON lines (`{"event":"epoch",...}`) instead of text. */
  json?: boolean;
}

/**
 * A progress bar with ETA, loss and metrics, redrawn at most 10 times a second on a TTY; one
 * summary line per epoch elsewhere, or JSON lines with `json: true`.
 */
export class ProgressBar implements Callback {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly json: boolean;
  private epochStart = 0;
  private lastDraw = 0;
  private epoch = 0;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = !!this.stream.isTTY && !opts.json;
    this.json = !!opts.json;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.lastDraw = 0;
  }

  onBatchEnd(step: number, logs: Logs, ctx: TrainingContext): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && step + 1 < ctx.stepsPerEpoch) return;
    this.lastDraw = now;
    const done = step + 1;
    const total = ctx.stepsPerEpoch;
    const width = 24;
    const fill = Math.round((done / total) * width);
    const elapsed = (now - this.epochStart) / 1000;
    const eta = (elapsed / done) * (total - done);
    const bar = '='.repeat(Math.max(0, fill - 1)) + (fill ? '>' : '') + ' '.repeat(width - fill);
    this.stream.write(`\r\x1b[Kepoch ${this.epoch + 1}/${ctx.epochs} [${bar}] ${done}/${total} eta ${fmtTime(eta)}  ${fmtLogs(logs)}`);
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    const elapsed = (performance.now() - this.epochStart) / 1000;
    if (this.json) {
      this.stream.write(JSON.stringify({ event: 'epoch', epoch: epoch + 1, epochs: ctx.epochs, seconds: +elapsed.toFixed(3), ...logs }) + '\n');
      return;
    }
    const prefix = this.tty ? '\r\x1b[K' : '';
    this.stream.write(`${prefix}epoch ${epoch + 1}/${ctx.epochs}  ${fmtTime(elapsed)}  ${fmtLogs(logs)}\n`);
  }

  onTrainEnd(_logs: Logs, ctx: TrainingContext): void {
    if (ctx.stopReason) this.stream.write(this.json ? JSON.stringify({ event: 'stopped', reason: ctx.stopReason }) + '\n' : `${ctx.stopReason}\n`);
  }
}
