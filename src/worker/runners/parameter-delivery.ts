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

/** A delivery that also holds a shell-cmd action's command line, in a file for /bin/sh to read. */
export interface CommandLineDeliveryPlan extends ParameterDeliveryPlan {
  readonly commandFile: string;
}

type DeliveredAction = Pick<Action, 'parameterDelivery' | 'parameterFormat'>;

const COMMAND_FILE = 'command.sh';

/**
 * `parametersDir` holds the parameter files (default: the OS temp dir). The file is removed when
 * the run ends; one a crash leaves behind is removed by `sweepParameterFiles`, which is why
 * Attune passes a directory of its own data dir and sweeps it at start.
 */
export async function prepareParameterDelivery(
  action: DeliveredAction,
  parameters: Readonly<Record<string, unknown>>,
  parametersDir: string = tmpdir(),
): Promise<ParameterDeliveryPlan> {
  const content = encodeParameters(action.parameterFormat, parameters);
  if (action.parameterDelivery === 'stdin') {
    return { stdin: content, env: {}, cleanup: () => Promise.resolve() };
  }
  const name = parametersFileName(action);
  const files = await writePrivateFiles(parametersDir, { [name]: content });
  return { stdin: '', env: { [PARAMETERS_FILE_ENV]: join(files.dir, name) }, cleanup: files.cleanup };
}

/**
 * The same delivery, with `commandLine` written next to the parameters file (or alone, for stdin
 * delivery) in the same private directory, removed with it: the command line never reaches argv
 * or the environment, where a secret rendered into it would show.
 */
export async function prepareCommandLineDelivery(
  action: DeliveredAction,
  parameters: Readonly<Record<string, unknown>>,
  commandLine: string,
  parametersDir: string = tmpdir(),
): Promise<CommandLineDeliveryPlan> {
  const content = encodeParameters(action.parameterFormat, parameters);
  const name = parametersFileName(action);
  const isFile = action.parameterDelivery === 'file';
  const files = await writePrivateFiles(parametersDir, { [COMMAND_FILE]: commandLine, ...(isFile ? { [name]: content } : {}) });
  return {
    stdin: isFile ? '' : content,
    env: isFile ? { [PARAMETERS_FILE_ENV]: join(files.dir, name) } : {},
    commandFile: join(files.dir, COMMAND_FILE),
    cleanup: files.cleanup,
  };
}

function parametersFileName(action: DeliveredAction): string {
  return `parameters.${action.parameterFormat === 'dotenv' ? 'env' : action.parameterFormat}`;
}

/** Writes each file (name → content) into a new private directory; `cleanup` removes the directory. */
async function writePrivateFiles(
  parametersDir: string,
  files: Readonly<Record<string, string>>,
): Promise<{ readonly dir: string; cleanup(): Promise<void> }> {
  // A private directory (0700 by mkdtemp) holding 0600 files: parameters may carry secrets.
  await mkdir(parametersDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parametersDir, 'attune-params-'));
  const cleanup = () =>
    rm(dir, { recursive: true, force: true }).catch(() => {
      // Best effort: the files live in a private temp dir; failing to remove them must not change
      // the execution's outcome.
    });
  try {
    await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content, { mode: 0o600 })));
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { dir, cleanup };
}

/**
 * Removes every parameter file under `parametersDir`. Only safe while no action of this data dir
 * runs: Attune calls it at start, after ending what a crash left running.
 */
export async function sweepParameterFiles(parametersDir: string): Promise<void> {
  await rm(parametersDir, { recursive: true, force: true });
}
