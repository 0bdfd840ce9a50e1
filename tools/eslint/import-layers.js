// Local ESLint plugin: the import direction of DESIGN.md §2.
//
//   cli > apps > train > nn > autograd > (text, audio, timeseries, word2vec, io) > kernels > tensor
//
// Rule `layers/import-direction` looks at every relative import (static, dynamic, re-export,
// `import type`, `typeof import()`) in a file under `src/`, works out which top-level folder of
// `src/` the file and the imported module sit in, and reports an import that is not in the
// importer's allowed set below. Within one folder anything goes. Imports of packages (`node:fs`,
// `typescript`, ...) and of files outside `src/` (e.g. `../../package.json`) are not its business.
// A top-level folder of `src/` that is not in the table is reported too, so a new layer has to be
// placed here (and in DESIGN.md) before it is used.

import path from 'node:path';

/** Who may import whom. `index` is `src/index.ts`, the public API. Own folder is always allowed. */
export const ALLOWED = {
  cli: ['index'],
  index: '*',
  apps: ['train', 'nn', 'autograd', 'text', 'audio', 'timeseries', 'word2vec', 'io', 'tensor', 'kernels'],
  train: ['nn', 'autograd', 'io', 'tensor', 'kernels'],
  nn: ['autograd', 'tensor', 'kernels'],
  autograd: ['tensor', 'kernels'],
  text: ['tensor', 'kernels'],
  audio: ['tensor', 'kernels'],
  timeseries: ['tensor', 'kernels'],
  word2vec: ['tensor', 'kernels'],
  io: ['tensor', 'kernels'],
  kernels: ['tensor'],
  tensor: [],
};

/** Height of each layer, only to word the message ("sits below" / "side by side"). */
const RANK = {
  cli: 8,
  index: 7,
  apps: 6,
  train: 5,
  nn: 4,
  autograd: 3,
  text: 2,
  audio: 2,
  timeseries: 2,
  word2vec: 2,
  io: 2,
  kernels: 1,
  tensor: 0,
};

const TS_EXT = { '.js': '.ts', '.jsx': '.tsx', '.mjs': '.mts', '.cjs': '.cts' };
const TS_FILE = /\.(ts|tsx|mts|cts)$/;

const toPosix = (p) => p.split(path.sep).join('/').replace(/\\/g, '/');

/**
 * The `src/` directory a file belongs to: `<cwd>/src` when the file is inside it, otherwise the
 * deepest `src` segment of the file's own path (so fake test paths like `/x/src/nn/a.ts` work).
 * Returns null for files outside any `src/`.
 */
function srcRootOf(filename, cwd, option) {
  const file = toPosix(path.resolve(filename));
  if (option) {
    const root = toPosix(path.resolve(cwd, option));
    return file.startsWith(root + '/') ? root : null;
  }
  const cwdSrc = toPosix(path.resolve(cwd, 'src'));
  if (file.startsWith(cwdSrc + '/')) return cwdSrc;
  const i = file.lastIndexOf('/src/');
  return i < 0 ? null : file.slice(0, i + 4);
}

/** `nn` for `src/nn/x.ts`, `index` for `src/index.ts`, `<root>/name` for other files in `src/`. */
function layerOf(rel) {
  const slash = rel.indexOf('/');
  if (slash >= 0) return rel.slice(0, slash);
  return /^index\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(rel) || rel === 'index' ? 'index' : `<root>/${rel}`;
}

/** `src/foo/` for a folder, `src/foo.ts` for a file at the root of src/. */
const folderName = (layer) => (layer.startsWith('<root>/') ? `src/${layer.slice(7)}` : `src/${layer}/`);

function describeLayer(layer) {
  return layer === 'index' ? 'index (the public API)' : layer;
}

function reason(from, to) {
  const allowed = ALLOWED[from];
  if (from === 'cli') return 'cli uses only the public API, src/index.ts';
  if (RANK[from] < RANK[to]) return `${from} sits below ${describeLayer(to)}`;
  if (RANK[from] === RANK[to]) return `${from} and ${to} sit side by side and stay independent`;
  if (from === 'train') return `train stays generic: it imports only ${listOf(allowed)}`;
  return `${from} may import only ${listOf(allowed)}`;
}

const listOf = (xs) => (xs.length === 0 ? 'itself' : xs.join(', '));

/** Source string of an import-like node, or null when it is not a plain string. */
function sourceOf(node) {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
    case 'ImportExpression':
      return literal(node.source);
    case 'TSImportType':
      // typescript-eslint ≥ 8.37 has `source`; older 8.x only `argument`, a TSLiteralType.
      if (node.source) return literal(node.source);
      return literal(node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument);
    case 'TSImportEqualsDeclaration':
      return node.moduleReference?.type === 'TSExternalModuleReference' ? literal(node.moduleReference.expression) : null;
    default:
      return null;
  }
}

function literal(n) {
  if (!n) return null;
  if (n.type === 'Literal' && typeof n.value === 'string') return { value: n.value, node: n };
  if (n.type === 'TemplateLiteral' && n.expressions.length === 0) return { value: n.quasis[0].value.cooked, node: n };
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const importDirection = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Imports between the top-level folders of src/ point downwards only (DESIGN.md §2)',
    },
    schema: [
      {
        type: 'object',
        properties: { srcDir: { type: 'string' } },
        additionalProperties: false,
      },
    ],
    messages: {
      direction: '{{from}} may not import {{to}}: {{reason}} (DESIGN.md §2)',
      unknownLayer:
        '{{folder}} is not a layer of DESIGN.md §2; place it in tools/eslint/import-layers.js (and DESIGN.md) before using it',
    },
  },
  create(context) {
    const filename = context.physicalFilename ?? context.filename;
    const cwd = context.cwd ?? process.cwd();
    const root = srcRootOf(filename, cwd, context.options[0]?.srcDir);
    if (!root) return {};
    const fileAbs = toPosix(path.resolve(filename));
    const fileRel = fileAbs.slice(root.length + 1);
    const from = layerOf(fileRel);
    const isTs = TS_FILE.test(fileAbs);
    const fromUnknown = !(from in ALLOWED);

    function check(node) {
      const src = sourceOf(node);
      if (!src || !(src.value.startsWith('./') || src.value.startsWith('../'))) return;
      const target = toPosix(path.resolve(path.dirname(filename), src.value));
      if (!target.startsWith(root + '/')) return; // outside src/: not a layer question
      let targetRel = target.slice(root.length + 1);
      const to = layerOf(targetRel);
      if (to === from) return;
      if (!(to in ALLOWED)) {
        if (from === 'index') return; // index.ts may import anything
        context.report({ node: src.node, messageId: 'unknownLayer', data: { folder: folderName(to) } });
        return;
      }
      if (fromUnknown) return; // already reported once for the file
      const allowed = ALLOWED[from];
      if (allowed === '*' || allowed.includes(to)) return;
      if (isTs) {
        const ext = path.posix.extname(targetRel);
        if (TS_EXT[ext]) targetRel = targetRel.slice(0, -ext.length) + TS_EXT[ext];
      }
      context.report({
        node: src.node,
        messageId: 'direction',
        data: { from: `src/${fileRel}`, to: `src/${targetRel}`, reason: reason(from, to) },
      });
    }

    return {
      Program(node) {
        if (fromUnknown) {
          context.report({ node, loc: { line: 1, column: 0 }, messageId: 'unknownLayer', data: { folder: folderName(from) } });
        }
      },
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
      TSImportType: check,
      TSImportEqualsDeclaration: check,
    };
  },
};

const plugin = {
  meta: { name: 'layers', version: '1.0.0' },
  rules: { 'import-direction': importDirection },
};

export default plugin;
