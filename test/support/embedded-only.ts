import { type TestFunction, describe, it } from 'vitest';
import { isDistributedE2e } from './e2e-mode.js';

/**
 * A test that by nature needs `attune up` as one process (kill -9 of it and counting its
 * children, the SQLite file…): it runs in the embedded mode and, in the distributed mode, shows
 * as skipped with `reason` in its title — never silently.
 */
export function itEmbeddedOnly(reason: string, name: string, fn: TestFunction, timeout?: number): void {
  if (isDistributedE2e()) it.skip(`${name} (embedded only: ${reason})`, fn);
  else it(name, fn, timeout);
}

/** A describe block whose every test needs one `attune up` (see itEmbeddedOnly). */
export function describeEmbeddedOnly(reason: string, name: string, fn: () => void): void {
  if (isDistributedE2e()) describe.skip(`${name} (embedded only: ${reason})`, fn);
  else describe(name, fn);
}
