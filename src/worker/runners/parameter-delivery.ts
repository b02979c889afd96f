import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeParameters } from '../parameter-encoding.js';
import type { Action } from '../../domain/entities.js';

export const PARAMETERS_FILE_ENV = 'ATTUNE_PARAMETERS_FILE';

/** How the encoded parameters reach the child, and how to clean up afterwards. */
export interface ParameterDeliveryPlan {
  /** Written to the child's stdin, which is then closed (empty for file delivery). */
  readonly stdin: string;
  /** Extra environment (the parameters file path for file delivery). */
  readonly env: Readonly<Record<string, string>>;
  /** Removes the parameters file, if any. Never throws. */
  cleanup(): Promise<void>;
}

export async function prepareParameterDelivery(
  action: Pick<Action, 'parameterDelivery' | 'parameterFormat'>,
  parameters: Readonly<Record<string, unknown>>,
): Promise<ParameterDeliveryPlan> {
  const content = encodeParameters(action.parameterFormat, parameters);
  if (action.parameterDelivery === 'stdin') {
    return { stdin: content, env: {}, cleanup: () => Promise.resolve() };
  }
  // A private directory (0700 by mkdtemp) holding a 0600 file: parameters may carry secrets.
  const dir = await mkdtemp(join(tmpdir(), 'attune-params-'));
  const file = join(dir, `parameters.${action.parameterFormat === 'dotenv' ? 'env' : action.parameterFormat}`);
  await writeFile(file, content, { mode: 0o600 });
  return {
    stdin: '',
    env: { [PARAMETERS_FILE_ENV]: file },
    cleanup: () => rm(dir, { recursive: true, force: true }).catch(() => {
      // Best effort: the file lives in a private temp dir; failing to remove it must not change
      // the execution's outcome.
    }),
  };
}
