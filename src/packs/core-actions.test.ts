import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionId, type Action, type ParameterFormat } from '../domain/index.js';
import { ActionRunner, encodeParameters } from '../worker/index.js';
import { loadPack, type ActionDefinition } from './index.js';

const ACTIONS = path.resolve(import.meta.dirname, '../../packs/core/actions');
const MARKERS = [path.join(tmpdir(), `x-unique-${process.pid}-dollar`), path.join(tmpdir(), `x-unique-${process.pid}-tick`)];

/** Runs a core action as the worker does: bash <file> or the file itself, its parameters on stdin in its format, by the worker's own encoder. */
function runAction(script: string, parameters: Readonly<Record<string, unknown>> | string) {
  const definition = parse(readFileSync(path.join(ACTIONS, script.replace(/\.sh$/, '.yaml')), 'utf8')) as { parameter_format?: ParameterFormat; runner_type: string };
  const input = typeof parameters === 'string' ? parameters : encodeParameters(definition.parameter_format ?? 'json', parameters);
  const file = path.join(ACTIONS, script);
  const [command, args] = definition.runner_type === 'native' ? [file, []] : ['bash', ['--noprofile', '--norc', file]];
  return spawnSync(command, args, { input, encoding: 'utf8' });
}

afterEach(() => {
  for (const marker of MARKERS) rmSync(marker, { force: true });
});

describe('core.echo (echo.sh)', () => {
  const hostile = [
    `He said "hi" and it's fine`,
    `second line $(touch ${MARKERS[0]}) and \`touch ${MARKERS[1]}\``,
    'back\\slash \\n not-a-newline %s %b\r',
    '$HOME ${PATH} ; rm -rf / #',
  ].join('\n');

  it('prints the message exactly, evaluating nothing in it', () => {
    const result = runAction('echo.sh', { message: hostile, uppercase: false });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${hostile}\n`);
    for (const marker of MARKERS) expect(existsSync(marker)).toBe(false);
  });

  it('upper-cases the message when uppercase is true', () => {
    const result = runAction('echo.sh', { message: 'mixed Case "q"\nline', uppercase: true });
    expect(result.stdout).toBe('MIXED CASE "Q"\nLINE\n');
  });

  it('reads a last line that has no trailing newline', () => {
    const result = runAction('echo.sh', 'uppercase=true\nmessage=end');
    expect(result.stdout).toBe('END\n');
  });

  it('keeps a trailing newline of the message and upper-cases letters beyond ASCII', () => {
    expect(runAction('echo.sh', { message: 'a\n', uppercase: false }).stdout).toBe('a\n\n');
    const result = spawnSync(path.join(ACTIONS, 'echo.sh'), [], { input: 'uppercase=true\nmessage=été', encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });
    expect(result.stdout).toBe('ÉTÉ\n');
  });

  it('runs as POSIX sh, so a dash rather than a bash starts for each echo', () => {
    expect(readFileSync(path.join(ACTIONS, 'echo.sh'), 'utf8').split('\n')[0]).toBe('#!/bin/sh');
  });
});

describe('core.sleep (sleep.sh)', () => {
  it('refuses a value that is not a number without running it', () => {
    const result = runAction('sleep.sh', { seconds: `$(touch ${MARKERS[0]})` });
    expect(result.status).toBe(2);
    expect(existsSync(MARKERS[0] ?? '')).toBe(false);
  });

  it('sleeps for a fractional number of seconds', () => {
    expect(runAction('sleep.sh', { seconds: 0.01 }).status).toBe(0);
  });
});

describe('core.shell (runner shell-cmd)', () => {
  /** Runs core.shell as the worker does: its definition from the core pack, through the ActionRunner. */
  async function runShell(parameters: Readonly<Record<string, unknown>>) {
    const pack = await loadPack(path.resolve(ACTIONS, '..'));
    const definition = pack.actions.find((action) => action.ref === 'core.shell');
    expect(definition).toBeDefined();
    const action: Action = { ...(definition as ActionDefinition), id: actionId(1), packRef: 'core', created: '', updated: '' };
    const runner = new ActionRunner({ maxOutputBytes: 64 * 1024, killGraceMs: 300, baseEnv: process.env });
    return runner.start({ executionId: 1, action, packPath: pack.path, parameters, timeoutSeconds: 30, env: {} }).done;
  }

  it('runs the command line with /bin/sh in cwd', async () => {
    const outcome = await runShell({ cmd: 'printf "%s|" "$PWD" "a b"\necho done', cwd: tmpdir() });
    expect(outcome.result.stdout).toBe(`${tmpdir()}|a b|done\n`);
    expect(outcome.status).toBe('completed');
  });

  it('passes the exit status of the command through', async () => {
    expect((await runShell({ cmd: 'exit 7' })).result.exit_code).toBe(7);
  });

  it('runs the command line as sh -c would: no options, no arguments, and an empty stdin', async () => {
    const cmd = 'false | true; echo "pipe $?"; false; echo "unset [$undefined_var] [${cwd-}] $#"; cat; echo "stdin done"';
    const outcome = await runShell({ cmd });
    expect(outcome.result.stderr).toBe('');
    expect(outcome.result.stdout).toBe('pipe 0\nunset [] [] 0\nstdin done\n');
    expect(outcome.status).toBe('completed');
  });
});
