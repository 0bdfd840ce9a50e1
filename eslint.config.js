// ESLint 9 flat config. `npm run lint` = `eslint src test tools`.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import layers from './tools/eslint/import-layers.js';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'coverage/', 'scratch/']),

  // typescript-eslint's recommended rules that need no type information (fast, no tsconfig).
  tseslint.configs.recommended,

  {
    files: ['**/*.{ts,mts,cts,js,mjs}'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },

  // DESIGN.md §2: imports between the top-level folders of src/ point downwards only.
  {
    files: ['src/**/*.{ts,tsx,mts,cts,js,mjs}'],
    plugins: { layers },
    rules: { 'layers/import-direction': 'error' },
  },

  // Tests may import anything (they poke at internals on purpose) and may use `any` and
  // bare expressions such as `expect(x).to.be.true`.
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
