import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Throws, saying what to do, unless every source file in `sourceDirs` (relative to the
 * repository, e.g. `src/sensors/timer`) has its build in dist/ and none is newer than it. For
 * tests that run a built program: a missing build must fail the test, not skip it, and a stale
 * one would test yesterday's code. `npm test` builds first.
 */
export function assertBuilt(...sourceDirs: readonly string[]): void {
  const problems: string[] = [];
  for (const dir of sourceDirs) {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
      const source = path.join(dir, name);
      const built = path.join('dist', path.relative('src', dir), name.replace(/\.ts$/, '.js'));
      if (!existsSync(path.join(ROOT, built))) problems.push(`${built} is missing`);
      else if (statSync(path.join(ROOT, source)).mtimeMs > statSync(path.join(ROOT, built)).mtimeMs) problems.push(`${source} is newer than ${built}`);
    }
  }
  if (problems.length > 0) throw new Error(`this test runs the build in dist/, which is not current (${problems.join('; ')}): run \`npm run build\` first (npm test does)`);
}
