// Runs the library example of README.md as written: the code block after the
// "keep it runnable" marker, with `from 'recurrent'` bound to src/index.ts, the model file put
// in a temporary folder and console.log captured.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /<!-- This block runs in test\/cli\/readme_example\.test\.ts[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md: the library example block (after the readme_example marker) is missing');
  return m[1]!;
}

it('the README library example runs: fit lowers the loss, and the loaded model predicts the same', async () => {
  let code = readmeExample();
  const imp = /^import \{([^}]+)\} from 'recurrent';$/m;
  const names = imp.exec(code)?.[1];
  expect(names, "the example imports from 'recurrent'").toBeDefined();
  for (const n of names!.split(',').map((s) => s.trim())) expect(api, `'recurrent' exports ${n}`).toHaveProperty(n);
  code = code.replace(imp, `const {${names}} = api;`);
  const file = join(dir, 'sine.safetensors');
  expect(code).toContain("'sine.safetensors'");
  code = code.replaceAll("'sine.safetensors'", JSON.stringify(file));

  const logs: unknown[][] = [];
  const fakeConsole = { log: (...a: unknown[]) => void logs.push(a) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
  // Quiet the progress lines fit prints (verbose: 1 goes to stderr).
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await new AsyncFunction('api', 'console', code)(api, fakeConsole);
  } finally {
    process.stderr.write = write;
  }

  const byLabel = new Map(logs.map((l) => [l[0] as string, l.slice(1)]));
  const finalLoss = byLabel.get('final loss')![0] as number;
  expect(finalLoss).toBeLessThan(0.05); // a sine wave's next value, variance 0.5
  const [prediction, , target] = byLabel.get('prediction')! as [number[][], string, number[]];
  expect(Math.abs(prediction[0]![0]! - target[0]!)).toBeLessThan(0.3);
  const restored = byLabel.get('restored')![0] as number[][];
  expect(restored).toEqual(prediction);
});
