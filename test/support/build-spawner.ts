import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

// Vitest runs the TypeScript source, but the spawner helper is a program of its own that Node 20
// cannot run from TypeScript. So that the tests exercise the current source, and never a dist/
// left over from an earlier build, every test run bundles the helper from source first (a
// fraction of a second) and hands its path to the tests: `new Spawner({ entry: inject('spawnerEntry') })`.
// The end-to-end tests run `attune` itself, and so the helper of dist/: `npm test` builds first.

declare module 'vitest' {
  export interface ProvidedContext {
    /** The spawner helper, bundled from the current source for this test run. */
    spawnerEntry: string;
  }
}

const SOURCE = path.resolve(import.meta.dirname, '../../src/worker/spawner/spawner-main.ts');

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'attune-spawner-'));
  const entry = path.join(dir, 'spawner-main.mjs');
  await build({ entryPoints: [SOURCE], outfile: entry, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  project.provide('spawnerEntry', entry);
  return () => rmSync(dir, { recursive: true, force: true });
}
