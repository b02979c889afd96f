import { afterAll, beforeAll, inject } from 'vitest';
import { WarmLauncher } from '../../src/process/index.js';
import { Spawner } from '../../src/worker/index.js';

/** The three ways a worker starts an action's process: spawned by itself, from a warm spare, or by the spawner helper. */
export const START_MODES = ['in-process spawn', 'warm launcher', 'spawner helper'] as const;
export type StartMode = (typeof START_MODES)[number];

export interface StartTools {
  readonly spawner: Spawner | undefined;
  readonly launcher: WarmLauncher | undefined;
}

/**
 * Registers, in the calling describe, the set-up of `mode` before its tests and the closing after
 * them; `use` receives the tools to start with (none for a plain spawn), then none again.
 */
export function startModeHooks(mode: StartMode, use: (tools: StartTools) => void): void {
  let tools: StartTools = { spawner: undefined, launcher: undefined };
  beforeAll(() => {
    tools = {
      spawner: mode === 'spawner helper' ? new Spawner({ entry: inject('spawnerEntry'), isLocalStartAllowed: false }) : undefined,
      launcher: mode === 'warm launcher' ? new WarmLauncher() : undefined,
    };
    use(tools);
  });
  afterAll(async () => {
    tools.spawner?.close();
    await tools.launcher?.close();
    use({ spawner: undefined, launcher: undefined });
  });
}
