import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Source files (not tests) under `dir`, relative to the repository, with those of its subfolders. */
function sourcesIn(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesIn(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/**
 * Throws, saying what to do, unless every source file under `sourceDirs` (relative to the
 * repository, e.g. `src/sensors/timer`) has its build in dist/ and none is newer than it. For
 * tests that run a built program: a missing build must fail the test, not skip it, and a stale
 * one would test yesterday's code. `npm test` builds first.
 */
export function assertBuilt(...sourceDirs: readonly string[]): void {
  const problems: string[] = [];
  for (const source of sourceDirs.flatMap(sourcesIn)) {
    if (source.endsWith('.contract.ts')) continue; // test suites, not built
    const built = path.join('dist', path.relative('src', source)).replace(/\.ts$/, '.js');
    if (!existsSync(path.join(ROOT, built))) problems.push(`${built} is missing`);
    else if (statSync(path.join(ROOT, source)).mtimeMs > statSync(path.join(ROOT, built)).mtimeMs) problems.push(`${source} is newer than ${built}`);
  }
  if (problems.length > 0) {
    const shown = problems.length > 3 ? [...problems.slice(0, 3), `${problems.length - 3} more`] : problems;
    throw new Error(`this test runs the build in dist/, which is not current (${shown.join('; ')}): run \`npm run build\` first (npm test does)`);
  }
}
