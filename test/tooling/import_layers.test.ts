// The lint rule behind DESIGN.md §2 (imports point downwards only), run through ESLint's RuleTester
// on fake file names, plus one end-to-end check that the repository's own src/ obeys it.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ESLint, RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import layers, { ALLOWED } from '../../tools/eslint/import-layers.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const rule = layers.rules!['import-direction']!;
const tester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
});

const msg = (from: string, to: string, reason: string) =>
  `src/${from} may not import src/${to}: ${reason} (DESIGN.md §2)`;

tester.run('layers/import-direction', rule, {
  valid: [
    // downwards
    { filename: '/x/src/nn/a.ts', code: `import { Var } from '../autograd/tape.js';` },
    { filename: '/x/src/nn/a.ts', code: `import type { Rng } from '../tensor/rng.js';` },
    { filename: '/x/src/nn/a.ts', code: `import { gemm } from '../kernels/ref/gemm.js';` },
    { filename: '/x/src/train/a.ts', code: `import { save } from '../io/safetensors.js';` },
    { filename: '/x/src/train/a.ts', code: `import { LSTM } from '../nn/recurrent.js';` },
    { filename: '/x/src/apps/a.ts', code: `import { fit } from '../train/fit.js'; import { Vocab } from '../text/vocab.js';` },
    { filename: '/x/src/apps/a.ts', code: `import { mfcc } from '../audio/mfcc.js'; import { train } from '../word2vec/train.js';` },
    { filename: '/x/src/word2vec/a.ts', code: `import { Tensor } from '../tensor/tensor.js'; import { sgns } from '../kernels/ref/w2v.js';` },
    { filename: '/x/src/io/a.ts', code: `import type { FloatArray } from '../tensor/tensor.js';` },
    { filename: '/x/src/kernels/ref/a.ts', code: `import type { FloatArray } from '../../tensor/tensor.js';` },
    { filename: '/x/src/kernels/wasm/a.ts', code: `import { gemm } from '../ref/gemm.js';` },
    // within a folder, anything goes
    { filename: '/x/src/tensor/a.ts', code: `import { Heap } from './heap.js';` },
    { filename: '/x/src/nn/sub/a.ts', code: `import { Layer } from '../layer.js';` },
    // cli only through the public API, and within itself
    { filename: '/x/src/cli/main.ts', code: `import { LSTM } from '../index.js'; import { parse } from './args.js';` },
    { filename: '/x/src/cli/commands/train.ts', code: `import { fit } from '../../index.js';` },
    // index.ts may import anything
    { filename: '/x/src/index.ts', code: `export * from './cli/main.js'; export { fit } from './apps/x.js'; export { Rng } from './tensor/rng.js';` },
    // packages and files outside src/ are not the rule's business
    { filename: '/x/src/tensor/a.ts', code: `import { readFile } from 'node:fs/promises'; import ts from 'typescript';` },
    { filename: '/x/src/cli/main.ts', code: `import pkg from '../../package.json' with { type: 'json' };` },
    // files outside src/ are not checked
    { filename: '/x/test/nn/a.test.ts', code: `import { fit } from '../../src/train/fit.js';` },
    { filename: '/x/tools/a.ts', code: `import { main } from '../src/cli/main.js';` },
    // dynamic import with a computed specifier cannot be checked
    { filename: '/x/src/nn/a.ts', code: `const m = await import(name);` },
  ],
  invalid: [
    {
      filename: '/x/src/nn/foo.ts',
      code: `import { fit } from '../train/bar.js';`,
      errors: [{ message: msg('nn/foo.ts', 'train/bar.ts', 'nn sits below train') }],
    },
    {
      filename: '/x/src/tensor/a.ts',
      code: `import { gemm } from '../kernels/ref/gemm.js';`,
      errors: [{ message: msg('tensor/a.ts', 'kernels/ref/gemm.ts', 'tensor sits below kernels') }],
    },
    {
      filename: '/x/src/kernels/ref/a.ts',
      code: `import type { Var } from '../../autograd/tape.js';`,
      errors: [{ message: msg('kernels/ref/a.ts', 'autograd/tape.ts', 'kernels sits below autograd') }],
    },
    {
      filename: '/x/src/autograd/a.ts',
      code: `export { Layer } from '../nn/layer.js';`,
      errors: [{ message: msg('autograd/a.ts', 'nn/layer.ts', 'autograd sits below nn') }],
    },
    {
      filename: '/x/src/nn/a.ts',
      code: `export * from '../apps/x.js';`,
      errors: [{ message: msg('nn/a.ts', 'apps/x.ts', 'nn sits below apps') }],
    },
    {
      filename: '/x/src/nn/a.ts',
      code: 'const { fit } = await import(`../train/fit.js`);',
      errors: [{ message: msg('nn/a.ts', 'train/fit.ts', 'nn sits below train') }],
    },
    {
      filename: '/x/src/nn/a.ts',
      code: `type F = typeof import('../train/fit.js').fit;`,
      errors: [{ message: msg('nn/a.ts', 'train/fit.ts', 'nn sits below train') }],
    },
    {
      filename: '/x/src/nn/a.ts',
      code: `import fit = require('../train/fit.js');`,
      errors: [{ message: msg('nn/a.ts', 'train/fit.ts', 'nn sits below train') }],
    },
    {
      filename: '/x/src/nn/a.ts',
      code: `import { LSTM } from '../index.js';`,
      errors: [{ message: msg('nn/a.ts', 'index.ts', 'nn sits below index (the public API)') }],
    },
    // peers stay independent of one another
    {
      filename: '/x/src/text/a.ts',
      code: `import { read } from '../io/config.js';`,
      errors: [{ message: msg('text/a.ts', 'io/config.ts', 'text and io sit side by side and stay independent') }],
    },
    {
      filename: '/x/src/word2vec/a.ts',
      code: `import { Vocab } from '../text/vocab.js';`,
      errors: [{ message: msg('word2vec/a.ts', 'text/vocab.ts', 'word2vec and text sit side by side and stay independent') }],
    },
    // train stays generic
    {
      filename: '/x/src/train/a.ts',
      code: `import { Vocab } from '../text/vocab.js';`,
      errors: [{ message: msg('train/a.ts', 'text/vocab.ts', 'train stays generic: it imports only nn, autograd, io, tensor, kernels') }],
    },
    // cli only through src/index.ts
    {
      filename: '/x/src/cli/main.ts',
      code: `import { LSTM } from '../nn/recurrent.js';\nimport { fit } from '../apps/x.js';`,
      errors: [
        { message: msg('cli/main.ts', 'nn/recurrent.ts', 'cli uses only the public API, src/index.ts'), line: 1 },
        { message: msg('cli/main.ts', 'apps/x.ts', 'cli uses only the public API, src/index.ts'), line: 2 },
      ],
    },
    // a folder that is not a layer yet
    {
      filename: '/x/src/nn/a.ts',
      code: `import { x } from '../misc/x.js';`,
      errors: [{ messageId: 'unknownLayer' }],
    },
    {
      filename: '/x/src/misc/a.ts',
      code: `import { Tensor } from '../tensor/tensor.js';`,
      errors: [{ messageId: 'unknownLayer', line: 1 }],
    },
  ],
});

describe('layer table', () => {
  it('lets every layer import only layers that sit lower or beside it', () => {
    expect(ALLOWED.cli).toEqual(['index']);
    expect(ALLOWED.index).toBe('*');
    expect(ALLOWED.tensor).toEqual([]);
    for (const leaf of ['text', 'audio', 'timeseries', 'word2vec', 'io']) expect(ALLOWED[leaf]).toEqual(['tensor', 'kernels']);
  });

  it('finds no violation in the repository own src/', async () => {
    const eslint = new ESLint({
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      ruleFilter: ({ ruleId }) => ruleId === 'layers/import-direction',
    });
    const results = await eslint.lintFiles(['src']);
    const found = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'layers/import-direction').map((m) => `${r.filePath}:${m.line} ${m.message}`),
    );
    expect(found).toEqual([]);
  });
});
