import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, describeEmbeddedOnly, isTerminal, runCli, until } from './harness.js';

describeEmbeddedOnly('exports the SQLite file of a data dir', 'attune export', () => {
  const processes: AttuneProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
  });

  it('writes the packs, rules, identities and executions of a data dir that ran actions, and never over a file', async () => {
    const attune = new AttuneProcess();
    processes.push(attune);
    await attune.start();
    const run = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: 'carried' } });
    await until(async () => (await attune.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${run.body.data.id}`)).body.data, isTerminal);
    const rule = { ref: 'examples.exported', trigger_ref: 'core.intervaltimer', trigger_params: { unit: 'hours', interval: 1 }, action_ref: 'core.noop' };
    expect((await attune.api('POST', '/api/v1/rules', rule)).status).toBe(201);
    expect(await attune.stop()).toBe(0);

    const file = path.join(attune.home, 'export.jsonl');
    const exported = await runCli(['--home', attune.home, 'export', file]);
    expect(exported).toMatchObject({ code: 0, stdout: '' });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; data?: Record<string, unknown>; counts?: Record<string, number> });
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'attune-export', version: 1 });
    const data = (kind: string) => lines.filter((line) => line.kind === kind).map((line) => line.data ?? {});
    expect(data('pack').map((pack) => pack.ref)).toEqual(expect.arrayContaining(['core', 'examples']));
    expect(data('rule').map((r) => r.ref)).toContain('examples.exported');
    expect(data('identity')).toContainEqual(expect.objectContaining({ login: 'admin', passwordHash: expect.stringMatching(/\S/) }));
    expect(data('execution')).toEqual([expect.objectContaining({ actionRef: 'core.echo', status: 'completed' })]);
    expect(lines.at(-1)).toMatchObject({ kind: 'end', counts: { execution: 1, identity: data('identity').length } });

    const again = await runCli(['--home', attune.home, 'export', file]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('ERR_EXPORT_FILE_EXISTS');
  });
});
