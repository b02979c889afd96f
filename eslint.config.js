import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importBoundaries } from './eslint/import-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', 'coverage/', 'packs/**/*.js', 'packs/**/*.mjs', 'eslint.config.js', 'eslint/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // scripts/ holds the build's own plain-JS helpers (the bundler), outside every tsconfig.
      parserOptions: { projectService: { allowDefaultProject: ['scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { attune: importBoundaries },
    rules: {
      'attune/import-boundaries': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through src/config only.',
        },
        {
          // The bundled `attune` command (scripts/bundle.mjs) gets only the default export of a
          // CommonJS package imported dynamically: load packages through a local module instead.
          selector: "ImportExpression > Literal[value=/^(?![.]|node:)/]",
          message: 'Import packages dynamically through a local module (see src/cli/yaml.ts): bundled, a dynamic import of a CommonJS package has only its default export.',
        },
      ],
    },
  },
  {
    files: ['src/config/**', 'test/**', 'bench/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
