import type { ESLint } from 'eslint';

/** Who may import whom: own folder always, `'*'` = anything. `index` is src/index.ts. */
export declare const ALLOWED: Readonly<Record<string, readonly string[] | '*'>>;

declare const plugin: ESLint.Plugin;
export default plugin;
