import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeParameters } from '../parameter-encoding.js';
import type { Action } from '../../domain/index.js';

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

/**
 * `parametersDir` holds the parameter files (default: the OS temp dir). The file is removed when
 * the run ends; one a crash leaves behind is removed by `sweepParameterFiles`, which is why
 * Attune passes a directory of its own data dir and sweeps it at start.
 */
export async function prepareParameterDelivery(
  action: Pick<Action, 'parameterDelivery' | 'parameterFormat'>,
  parameters: Readonly<Record<string, unknown>>,
  parametersDir: string = tmpdir(),
): Promise<ParameterDeliveryPlan> {
  const content = encodeParameters(action.parameterFormat, parameters);
  if (action.parameterDelivery === 'stdin') {
    return { stdin: content, env: {}, cleanup: () => Promise.resolve() };
  }
  // A private directory (0700 by mkdtemp) holding a 0600 file: parameters may carry secrets.
  await mkdir(parametersDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parametersDir, 'attune-params-'));
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

/**
 * Removes every parameter file under `parametersDir`. Only safe while no action of this data dir
 * runs: Attune calls it at start, after ending what a crash left running.
 */
export async function sweepParameterFiles(parametersDir: string): Promise<void> {
  await rm(parametersDir, { recursive: true, force: true });
}
