import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, makeHome, writePack } from './harness.js';

interface Run extends ExecutionBody {
  started_at: string | null;
  finished_at: string | null;
}

/** Actions limited to one run at a time (enqueue), to one whose extra runs are refused (cancel), and to 2 starts a second. */
function writeLimitedPack(home: string): void {
  writePack(path.join(home, 'packs', 'limited'), {
    'pack.yaml': 'ref: limited\nversion: 1.0.0\n',
    'actions/slow.yaml': 'name: slow\nrunner_type: shell\nentry_point: slow.sh\nparameters:\n  n: {type: integer}\n',
    'actions/slow.sh': 'sleep 0.05\n',
    'actions/single.yaml': 'name: single\nrunner_type: shell\nentry_point: slow.sh\n',
    'policies/one-at-a-time.yaml': 'name: one_at_a_time\nkind: concurrency\naction: limited.slow\nmax: 1\non_exceeded: enqueue\n',
    'actions/tick.yaml': 'name: tick\nrunner_type: shell\nentry_point: tick.sh\n',
    'actions/tick.sh': 'true\n',
    'policies/tick-rate.yaml': 'name: tick_rate\nkind: rate\naction: limited.tick\nmax: 2\nwindow: 1\n',
    'policies/single.yaml': 'name: single\nkind: concurrency\naction: limited.single\nmax: 1\non_exceeded: cancel\n',
    'actions/flow.yaml': 'name: flow\nworkflow_file: workflows/flow.yaml\nparameters:\n  n: {type: integer}\n',
    'actions/workflows/flow.yaml': 'tasks:\n  - {name: a, action: core.shell, input: {cmd: "sleep 0.2"}, next: [{do: [b]}]}\n  - {name: b, action: core.noop}\n',
    'policies/one-flow.yaml': 'name: one_flow\nkind: concurrency\naction: limited.flow\nmax: 1\non_exceeded: enqueue\n',
    'policies/one-question.yaml': 'name: one_question\nkind: concurrency\naction: core.ask\nmax: 1\non_exceeded: cancel\n',
  });
}

describe('policies, end to end', () => {
  const processes: AttuneProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
  });

  async function start(): Promise<AttuneProcess> {
    const home = makeHome();
    writeLimitedPack(home);
    // The periodic pass admits what a rate window held back: often, so the test is short.
    const attune = new AttuneProcess(home, { ATTUNE__EXECUTOR__SUPERVISOR_INTERVAL_MS: '200' });
    processes.push(attune);
    return attune.start();
  }

  const request = async (attune: AttuneProcess, actionRef: string, parameters: Record<string, unknown> = {}): Promise<number> => {
    const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: actionRef, parameters });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.data.id;
  };

  it('keeps FIFO order under a burst of 20 with a concurrency policy of 1 (enqueue): no two runs overlap', async () => {
    const attune = await start();
    const ids: number[] = [];
    for (let n = 0; n < 20; n++) ids.push(await request(attune, 'limited.slow', { n }));
    const runs: Run[] = [];
    for (const id of ids) runs.push((await attune.waitForExecution(id, isTerminal)) as Run);
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => 'completed'));
    const byStart = [...runs].sort((a, b) => Date.parse(a.started_at ?? '') - Date.parse(b.started_at ?? '') || a.id - b.id);
    expect(byStart.map((r) => r.parameters['n'])).toEqual(ids.map((_, n) => n)); // start order = request order
    for (let i = 1; i < byStart.length; i++) {
      const [earlier, later] = [byStart[i - 1], byStart[i]];
      // The next one starts only once the one before it has finished.
      expect(Date.parse(later?.started_at ?? ''), `run ${later?.id} overlaps ${earlier?.id}`).toBeGreaterThanOrEqual(Date.parse(earlier?.finished_at ?? ''));
    }
  });

  it('starts at most 2 in any 1-second window under a rate policy, the rest waiting their turn in order', async () => {
    const attune = await start();
    const ids: number[] = [];
    for (let n = 0; n < 7; n++) ids.push(await request(attune, 'limited.tick'));
    const runs: Run[] = [];
    for (const id of ids) runs.push((await attune.waitForExecution(id, isTerminal)) as Run);
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => 'completed'));
    const starts = runs.map((r) => Date.parse(r.started_at ?? '')).sort((a, b) => a - b);
    // Any 3 starts in a row span at least the window: never 3 within one second.
    for (let i = 2; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 2] ?? 0), `starts ${JSON.stringify(runs.map((r) => r.started_at))}`).toBeGreaterThanOrEqual(1000);
  });

  it('limits workflows and core.ask too: one workflow at a time in request order, a second open question refused', async () => {
    const attune = await start();
    const ids: number[] = [];
    for (let n = 0; n < 4; n++) ids.push(await request(attune, 'limited.flow', { n }));
    const runs: Run[] = [];
    for (const id of ids) runs.push((await attune.waitForExecution(id, isTerminal)) as Run);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    for (let i = 1; i < runs.length; i++) {
      // Each workflow starts only once the one requested before it has finished.
      expect(Date.parse(runs[i]?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]?.finished_at ?? ''));
    }
    const open = await request(attune, 'core.ask', { prompt: 'first?' });
    await attune.waitForExecution(open, (e) => e.status === 'running');
    const refused = await attune.waitForExecution(await request(attune, 'core.ask', { prompt: 'second?' }), isTerminal);
    expect(refused).toMatchObject({ status: 'cancelled', result: { error: 'cancelled by policy limited.one_question: 1 of core.ask already active' } });
    expect((await attune.api<{ data: ExecutionBody }>('POST', `/api/v1/executions/${open}/cancel`)).status).toBe(200);
  });

  it('cancels an execution a cancel policy refuses, and lists the policies', async () => {
    const attune = await start();
    const first = await request(attune, 'limited.single');
    const second = await request(attune, 'limited.single');
    const refused = await attune.waitForExecution(second, isTerminal);
    expect(refused).toMatchObject({ status: 'cancelled', result: { error: 'cancelled by policy limited.single: 1 of limited.single already active' } });
    expect(await attune.waitForExecution(first, isTerminal)).toMatchObject({ status: 'completed' });
    const listed = await attune.api<{ data: { ref: string; action: string; max: number; on_exceeded: string; per: string[] }[] }>('GET', '/api/v1/policies');
    expect(listed.status).toBe(200);
    expect(listed.body.data.filter((p) => p.ref.startsWith('limited.') && !['limited.one_flow', 'limited.one_question'].includes(p.ref))).toEqual([
      expect.objectContaining({ ref: 'limited.one_at_a_time', action: 'limited.slow', max: 1, on_exceeded: 'enqueue', per: [] }),
      expect.objectContaining({ ref: 'limited.single', action: 'limited.single', max: 1, on_exceeded: 'cancel', per: [] }),
      expect.objectContaining({ ref: 'limited.tick_rate', kind: 'rate', action: 'limited.tick', max: 2, window: 1 }),
    ]);
    const one = await attune.api<{ data: unknown[] }>('GET', '/api/v1/policies?action=limited.slow');
    expect(one.body.data).toHaveLength(1);
    const table = await attune.cli(['policy', 'list', '--action', 'limited.tick']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/limited\.tick_rate +rate +limited\.tick +2 +1s +- +enqueue/);
    const help = await attune.cli(['policy', 'list', '--help']);
    expect(help.stdout).toContain('--action <ref>');
  });
});
