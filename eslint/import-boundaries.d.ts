import type { ESLint } from 'eslint';

/** The local ESLint plugin holding the `import-boundaries` rule (see import-boundaries.js). */
export declare const importBoundaries: ESLint.Plugin;
