import type { TestContext } from 'vitest';

/**
 * For a test that needs what only some machines offer (root to mount a file system, a writable
 * cgroup). `missing` says what is missing, or is undefined when all is there. In CI (CI=true),
 * which runs as root on Linux, a missing capability fails the test. Elsewhere the test is
 * skipped, with the reason printed: `npm test` must pass on a developer's machine, not as root.
 * Anything every machine can have (python3, a build) is no capability: its test just fails.
 */
export function requireCapability(ctx: TestContext, missing: string | undefined): void {
  if (missing === undefined) return;
  if (process.env.CI === 'true') throw new Error(`${missing}: CI must run this test (run it as root on Linux)`);
  console.warn(`skipped "${ctx.task.name}": ${missing}`);
  ctx.skip();
}
