import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { RUNNER_TYPES } from '../domain/index.js';
import { findExecutable } from '../process/index.js';
import { offeredRuntimes } from './offered-runtimes.js';

describe('offeredRuntimes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'attune-runtimes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('offers every runtime by default when bash and python3 are on PATH (and /bin/sh is there)', async () => {
    const bash = await findExecutable('bash', process.env.PATH);
    const python = await findExecutable('python3', process.env.PATH);
    expect([bash, python], 'bash and python3 must be on PATH for this test').not.toContain(undefined);
    expect(await offeredRuntimes([], process.env.PATH)).toEqual({ offered: RUNNER_TYPES, missing: [] });
  });

  it('leaves out a runtime whose interpreter is missing, and those not asked for', async () => {
    // A PATH with bash only: python3 is missing.
    const bash = (await findExecutable('bash', process.env.PATH)) as string;
    const onlyBash = mkdtempSync(path.join(dir, 'path-'));
    symlinkSync(bash, path.join(onlyBash, 'bash'));
    expect(await offeredRuntimes([], onlyBash)).toEqual({
      offered: ['shell', 'shell-cmd', 'node', 'native', 'builtin'],
      missing: [{ runtime: 'python', reason: 'python3 was not found on PATH' }],
    });
    // /bin/sh is a path: shell-cmd is offered whatever PATH holds (where /bin/sh can be executed).
    expect(await offeredRuntimes(['shell', 'shell-cmd'], dir)).toEqual({
      offered: ['shell-cmd'],
      missing: [{ runtime: 'shell', reason: 'bash was not found on PATH' }],
    });
    expect(await offeredRuntimes(['python', 'builtin'], onlyBash)).toEqual({
      offered: ['builtin'],
      missing: [{ runtime: 'python', reason: 'python3 was not found on PATH' }],
    });
  });

  it('accepts in worker.runtimes the runner types of the domain, and nothing else', () => {
    const load = (runtimes: readonly string[]) => loadConfig({ home: dir, env: { ATTUNE__WORKER__RUNTIMES: JSON.stringify(runtimes) } }).worker.runtimes;
    expect(load(RUNNER_TYPES)).toEqual(RUNNER_TYPES);
    expect(() => load(['workflow'])).toThrow(/worker\.runtimes/);
  });
});
