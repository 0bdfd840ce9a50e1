// `recurrent bench`: runs bench/run.mjs (the benchmark of `npm run bench`) with the options as given.
// The real run measures the library from dist/ (`npm run build` first) and is skipped, saying why,
// when dist/ is missing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BENCH_SCRIPT, runBench } from '../../src/cli/bench.js';
import { captureIO, jsonLines, runCli, tempDir } from '../util/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = tempDir('recurrent-bench-cli-');
const distReason = existsSync(join(root, 'dist/index.js')) ? '' : 'dist/ is missing: run `npm run build`';

describe('recurrent bench', () => {
  it('resolves bench/run.mjs of the package root', () => {
    expect(BENCH_SCRIPT).toBe(join(root, 'bench', 'run.mjs'));
  });

  it('is listed in the top-level help, and --help prints the benchmark options', async () => {
    expect((await runCli(['--help'])).out).toMatch(/\n {2}bench +speed benchmark/);
    const r = await runCli(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: recurrent bench \[options\]/);
    for (const flag of ['--workloads a,b', '--modes a,b', '--impls a,b', '--threads 1,2', '--quick', '--budget S', '--no-peers', '--json']) expect(r.out).toContain(flag);
    expect(r.out).toContain('tfjs-cpu');
  });

  it('passes a bad option to the benchmark, which names it', async () => {
    const r = await runCli(['bench', '--frobnicate'], { env: { BENCH_LOCK: join(dir, 'lock') } });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bench: unknown option --frobnicate\n/);
  });

  it('says in one line that the benchmark is not installed when bench/ is absent', async () => {
    const missing = join(dir, 'no-bench', 'run.mjs');
    await expect(runBench(['--help'], captureIO().io, missing)).rejects.toThrow(/^the benchmark is not part of this installation \(.*no-bench.*run\.mjs is missing\); run it from a checkout of the source repository: npm run bench$/);
  });

  it.skipIf(distReason !== '')(`runs the smallest workload and prints the --json fields of issue #8${distReason ? ` (skipped: ${distReason})` : ''}`, async () => {
    // a lock of our own: the test must not wait for (or delay) a real benchmark on the machine
    const r = await runCli(['bench', '--quick', '--workloads', 'tiny-rnn', '--modes', 'infer', '--impls', 'recurrent-ref', '--json'], { env: { BENCH_LOCK: join(dir, 'lock') } });
    expect(r.code, r.err).toBe(0);
    const rows = jsonLines(r.out);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ workload: 'tiny-rnn', mode: 'infer', impl: 'recurrent-ref', threads: 1, status: 'ok', ratio_vs_torch: null });
    for (const k of ['workload', 'mode', 'impl', 'threads', 'ms', 'gflops', 'ratio_vs_torch', 'peak_rss_mb']) expect(row).toHaveProperty(k);
    expect(row.ms).toBeGreaterThan(0);
    // tiny-rnn infer: 2·B·H·(I+H)·T = 2·16·64·96·32 FLOPs per step
    expect(row.gflops).toBeCloseTo((2 * 16 * 64 * 96 * 32) / 1e9 / (row.ms / 1000), 6);
    if (existsSync('/usr/bin/time')) {
      // a Node.js process with the library loaded: tens of MB, not bytes or gigabytes
      expect(row.peak_rss_mb).toBeGreaterThan(20);
      expect(row.peak_rss_mb).toBeLessThan(2000);
    } else expect(row.peak_rss_mb).toBeNull();
    expect(r.err).toContain('[1/1] tiny-rnn infer recurrent-ref t1');
  });
});
