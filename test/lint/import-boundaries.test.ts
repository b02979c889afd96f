import path from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { importBoundaries } from '../../eslint/import-boundaries.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Lints `code` as if it were the file `relative` (under the repository root), with the rule alone. */
function lint(relative: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const config = [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { attune: importBoundaries }, rules: { 'attune/import-boundaries': 'error' as const } }];
  return linter.verify(code, config, { filename: path.join(ROOT, relative) }).map((m) => m.message);
}

describe('the import-boundaries lint rule', () => {
  it('refuses a deep import into another src/ folder, naming the index to use', () => {
    expect(lint('src/packs/x.ts', "import { checkRule } from '../rules/rule-checks.js';")).toEqual([
      "'../rules/rule-checks.js' reaches inside src/rules/: import '../rules/index.js' instead (other folders use only a folder's index.ts).",
    ]);
    expect(lint('src/worker/spawner/x.ts', "import type { Action } from '../../domain/entities.js';")).toHaveLength(1);
    expect(lint('src/cli/x.ts', "export { AppError } from '../domain/errors.js';")).toHaveLength(1);
    expect(lint('src/cli/x.ts', "const m = await import('../api/app.js');")).toHaveLength(1);
  });

  it("allows a folder's index, its own files, light entries and files outside src/", () => {
    expect(lint('src/packs/x.ts', "import { checkRule } from '../rules/index.js';")).toEqual([]);
    expect(lint('src/worker/spawner/x.ts', "import { OutputCapture } from '../output-capture.js';")).toEqual([]);
    expect(lint('src/cli/x.ts', "import { resolveHome } from '../config/cli-environment.js';")).toEqual([]);
    expect(lint('src/main.ts', "import { buildApi } from './api/index.js';")).toEqual([]);
    expect(lint('src/store/x.test.ts', "import { wait } from '../../test/support/wait.js';")).toEqual([]);
    expect(lint('src/cli/x.ts', "import { Command } from 'commander';")).toEqual([]);
  });

  it('is switched on for every TypeScript file of src/ in the project config', async () => {
    const config = (await new ESLint({ cwd: ROOT }).calculateConfigForFile(path.join(ROOT, 'src/rules/rule-engine.ts'))) as { rules: Record<string, unknown> };
    expect(config.rules['attune/import-boundaries']).toEqual([2]);
  });
});
