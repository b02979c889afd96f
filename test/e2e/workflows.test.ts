import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, makeHome, until, writePack } from './harness.js';

interface Child {
  id: number;
  task_name: string | null;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  result: { stdout?: string; error?: string } | null;
}
interface Workflow extends ExecutionBody {
  result: (ExecutionBody['result'] & { output?: Record<string, unknown> }) | null;
  workflow_tasks?: { name: string; status: string; runs: number; transitions: string[] }[];
}

const workflowAction = (name: string, params = '') => `name: ${name}\nworkflow_file: workflows/${name}.yaml\n${params}`;

/** Workflows over the core actions: every task is a real process or builtin. */
function writeFlowPack(home: string): void {
  writePack(path.join(home, 'packs', 'wf'), {
    'pack.yaml': 'ref: wf\nversion: 1.0.0\n',
    'actions/seq.yaml': workflowAction('seq'),
    'actions/workflows/seq.yaml': [
      'tasks:',
      '  - {name: one, action: core.echo, input: {message: one}, next: [{when: "{{ succeeded() }}", publish: [{n: 1}], do: [two]}]}',
      '  - {name: two, action: core.shell, input: {cmd: "echo {{ workflow.n + 1 }}"}, on_success: [three]}',
      '  - {name: three, action: core.noop}',
      'output_map: {two: "{{ task(\'two\').result.stdout }}", n: "{{ workflow.n }}"}',
      '',
    ].join('\n'),
    'actions/failing.yaml': workflowAction('failing'),
    'actions/workflows/failing.yaml': [
      'tasks:',
      '  - name: try',
      '    action: core.shell',
      '    input: {cmd: "echo oops >&2; exit 3"}',
      '    next:',
      '      - {when: "{{ succeeded() }}", do: [never]}',
      '      - {when: "{{ failed() }}", publish: [{code: "{{ result().exit_code }}"}], do: [cleanup]}',
      '  - {name: never, action: core.noop}',
      '  - {name: cleanup, action: core.echo, input: {message: "cleaned up after {{ workflow.code }}"}}',
      'output_map: {code: "{{ workflow.code }}"}',
      '',
    ].join('\n'),
    'actions/outer.yaml': workflowAction('outer'),
    'actions/workflows/outer.yaml': [
      'tasks:',
      '  - {name: inner, action: wf.seq, next: [{when: "{{ succeeded() }}", publish: [{inner: "{{ result().output }}"}]}]}',
      'output_map: {inner: "{{ workflow.inner }}"}',
      '',
    ].join('\n'),
    'actions/many.yaml': workflowAction('many', 'parameters:\n  items: {type: array, required: true}\n'),
    'actions/workflows/many.yaml': [
      'tasks:',
      '  - name: each',
      '    action: core.shell',
      '    with_items: "{{ parameters.items }}"',
      '    concurrency: 5',
      '    input: {cmd: "sleep 0.05; echo item-{{ item }}-{{ index }}"}',
      'output_map: {out: "{{ task(\'each\').result.map(r, r.stdout.trim()) }}"}',
      '',
    ].join('\n'),
    'actions/fixable.yaml': workflowAction('fixable', 'parameters:\n  dir: {type: string, required: true}\n'),
    'actions/workflows/fixable.yaml': [
      'vars: {prepared: no}',
      'tasks:',
      '  - name: prep',
      '    action: core.shell',
      '    input: {cmd: "echo run >> {{ parameters.dir }}/prep.txt; echo ready"}',
      '    next: [{when: "{{ succeeded() }}", publish: [{prepared: "{{ result().stdout.trim() }}"}], do: [check]}]',
      '  - name: check',
      '    action: core.shell',
      '    input: {cmd: "cat {{ parameters.dir }}/flag"}',
      '    next: [{when: "{{ succeeded() }}", publish: [{flag: "{{ result().stdout.trim() }}"}], do: [report]}]',
      '  - {name: report, action: core.echo, input: {message: "{{ workflow.prepared }} {{ workflow.flag }}"}}',
      'output_map: {report: "{{ task(\'report\').result.stdout }}"}',
      '',
    ].join('\n'),
    'actions/sturdy.yaml': workflowAction('sturdy', 'parameters:\n  items: {type: array, required: true}\n'),
    'actions/workflows/sturdy.yaml': [
      'tasks:',
      '  - name: each',
      '    action: core.shell',
      '    with_items: "{{ parameters.items }}"',
      '    concurrency: 4',
      '    retry: {count: 2}',
      '    input: {cmd: "sleep 0.2; echo item-{{ item }}"}',
      'output_map: {out: "{{ task(\'each\').result.map(r, r.stdout.trim()) }}"}',
      '',
    ].join('\n'),
    'actions/stubborn.yaml': workflowAction('stubborn', 'parameters:\n  file: {type: string, required: true}\n'),
    'actions/workflows/stubborn.yaml': [
      'tasks:',
      '  - name: append',
      '    action: core.shell',
      '    input: {cmd: "echo run >> {{ parameters.file }}; exit 1"}',
      '    retry: {count: 2, delay: 2, backoff: exponential}',
      '',
    ].join('\n'),
  });
}

describe('workflows, end to end', () => {
  const processes: AttuneProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
  });

  async function start(): Promise<AttuneProcess> {
    const home = makeHome();
    writeFlowPack(home);
    const attune = new AttuneProcess(home);
    processes.push(attune);
    return attune.start();
  }

  const children = async (attune: AttuneProcess, id: number): Promise<Child[]> =>
    (await attune.api<{ data: Child[] }>('GET', `/api/v1/executions?parent=${id}&limit=1000`)).body.data.sort((a, b) => a.id - b.id);

  async function runWorkflow(attune: AttuneProcess, actionRef: string, parameters: Record<string, unknown> = {}): Promise<Workflow> {
    const created = await attune.api<{ data: Workflow }>('POST', '/api/v1/executions', { action_ref: actionRef, parameters });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return (await attune.waitForExecution(created.body.data.id, (e) => ['completed', 'failed', 'cancelled'].includes(e.status))) as Workflow;
  }

  it("runs the issue's fan-out workflow through the CLI: parallel branches, a join, with_items and output_map", async () => {
    const attune = await start();
    const run = await attune.cli(['run', 'examples.fanout', 'items=["a","b","c","d","e"]', '-o', 'json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const workflow = JSON.parse(run.stdout) as Workflow;
    expect(workflow.result?.output).toEqual({ greeting: 'start\n', fanned: 5 });
    const tasks = (await children(attune, workflow.id)).map((c) => c.task_name);
    expect(tasks.filter((t) => t === 'fan')).toHaveLength(5);
    expect(tasks.filter((t) => t === 'both')).toHaveLength(1);
    expect(tasks).not.toContain('never');
    const show = await attune.cli(['execution', 'show', String(workflow.id)]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/start {2}succeeded {2}\S+ {2}→ left, right/);
    expect(show.stdout).toMatch(/fan {2}succeeded {2}\S+ {2}\(5 runs\)/);
    expect(show.stdout).toContain('core.noop  completed');
  });

  it('runs tasks in sequence with typed published variables, and a nested workflow', async () => {
    const attune = await start();
    const seq = await runWorkflow(attune, 'wf.seq');
    expect(seq).toMatchObject({ status: 'completed', result: { output: { two: '2\n', n: 1 } } });
    const steps = await children(attune, seq.id);
    expect(steps.map((c) => c.task_name)).toEqual(['one', 'two', 'three']);
    for (const [earlier, later] of [[steps[0], steps[1]], [steps[1], steps[2]]]) {
      expect(Date.parse(later?.started_at ?? '')).toBeGreaterThanOrEqual(Date.parse(earlier?.finished_at ?? ''));
    }
    const outer = await runWorkflow(attune, 'wf.outer');
    expect(outer).toMatchObject({ status: 'completed', result: { output: { inner: { two: '2\n', n: 1 } } } });
    const [inner] = await children(attune, outer.id);
    expect((await children(attune, inner?.id ?? 0)).map((c) => c.task_name)).toEqual(['one', 'two', 'three']);
  });

  it('takes the failed() branch of a failing task', async () => {
    const attune = await start();
    const workflow = await runWorkflow(attune, 'wf.failing');
    expect(workflow).toMatchObject({ status: 'completed', result: { output: { code: 3 } } });
    const steps = await children(attune, workflow.id);
    expect(steps.map((c) => [c.task_name, c.status])).toEqual([['try', 'failed'], ['cleanup', 'completed']]);
    expect(steps[1]?.result?.stdout).toBe('cleaned up after 3\n');
  });

  it('runs 50 items never more than 5 at once, results in item order', async () => {
    const attune = await start();
    const items = Array.from({ length: 50 }, (_, i) => i);
    const workflow = await runWorkflow(attune, 'wf.many', { items });
    expect(workflow.status).toBe('completed');
    expect(workflow.result?.output?.out).toEqual(items.map((i) => `item-${i}-${i}`));
    const runs = await children(attune, workflow.id);
    expect(runs).toHaveLength(50);
    // Sweep the children's run intervals: at no instant did more than 5 run.
    const edges = runs.flatMap((c) => [
      { at: Date.parse(c.started_at ?? ''), delta: 1 },
      { at: Date.parse(c.finished_at ?? ''), delta: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const edge of edges) most = Math.max(most, (running += edge.delta));
    expect(most).toBeLessThanOrEqual(5);
    expect(most).toBeGreaterThan(1);
  });

  it('re-runs a failed workflow from its failed task through the CLI, keeping the earlier task and its variables', async () => {
    const attune = await start();
    const dir = attune.home;
    const failed = await runWorkflow(attune, 'wf.fixable', { dir });
    expect(failed).toMatchObject({ status: 'failed', result: { error: 'task "check" failed and no transition handles it' } });
    const refused = await attune.cli(['execution', 'rerun', String(failed.id), '--from', 'nope']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ERR_WORKFLOW_TASK_NOT_FOUND');
    const child = (await children(attune, failed.id))[0];
    const notWorkflow = await attune.cli(['execution', 'rerun', String(child?.id), '--from', 'prep']);
    expect(notWorkflow.stderr).toContain('ERR_EXECUTION_NOT_WORKFLOW');

    writeFileSync(path.join(dir, 'flag'), 'fixed\n');
    const rerun = await attune.cli(['execution', 'rerun', String(failed.id), '--from', 'check', '--wait', '-o', 'json']);
    expect(rerun.code, rerun.stderr + rerun.stdout).toBe(0);
    const done = JSON.parse(rerun.stdout) as Workflow & { rerun_of: number };
    expect(done).toMatchObject({ status: 'completed', rerun_of: failed.id, result: { output: { report: 'ready fixed\n' } } });
    expect((await children(attune, done.id)).map((c) => [c.task_name, c.status])).toEqual([['check', 'completed'], ['report', 'completed']]);
    expect(readFileSync(path.join(dir, 'prep.txt'), 'utf8')).toBe('run\n'); // prep ran once, in the original
    expect((await attune.api<{ data: Workflow }>('GET', `/api/v1/executions/${failed.id}`)).body.data.status).toBe('failed');
    const show = await attune.cli(['execution', 'show', String(done.id)]);
    expect(show.stdout).toMatch(/prep {2}succeeded/);
    expect(show.stdout).toMatch(/check {2}succeeded/);
  });

  it('gathers every with_items result in item order across a kill -9 in the middle of the fan-out', async () => {
    const attune = await start();
    const items = Array.from({ length: 24 }, (_, i) => i);
    const created = await attune.api<{ data: Workflow }>('POST', '/api/v1/executions', { action_ref: 'wf.sturdy', parameters: { items } });
    const id = created.body.data.id;
    await until(() => children(attune, id), (list) => list.filter((c) => c.status === 'completed').length >= 6, 20);
    await attune.stop('SIGKILL');
    await attune.start();
    // The items running at the kill were abandoned and are retried; the others are not run again.
    const done = (await attune.waitForExecution(id, (e) => ['completed', 'failed'].includes(e.status))) as Workflow;
    expect(done.status, JSON.stringify(done.result)).toBe('completed');
    expect(done.result?.output?.out).toEqual(items.map((i) => `item-${i}`));
    const runs = await children(attune, id);
    expect(runs.filter((c) => c.status === 'completed')).toHaveLength(24);
  });

  it('keeps a retry backoff in the database across kill -9: the task runs exactly 1 + count times', async () => {
    const attune = await start();
    const file = path.join(attune.home, 'runs.txt');
    const created = await attune.api<{ data: Workflow }>('POST', '/api/v1/executions', { action_ref: 'wf.stubborn', parameters: { file } });
    const id = created.body.data.id;
    // The first run failed and its 2 s backoff is waiting: kill Attune in the middle of it.
    await until(() => children(attune, id), (list) => list.length === 1 && list[0]?.status === 'failed', 20);
    expect(readFileSync(file, 'utf8')).toBe('run\n');
    await attune.stop('SIGKILL');
    await attune.start();
    const done = (await attune.waitForExecution(id, (e) => e.status === 'failed')) as Workflow;
    expect(done.result?.error).toContain('task "append" failed');
    expect(existsSync(file) && readFileSync(file, 'utf8')).toBe('run\nrun\nrun\n');
    const runs = await children(attune, id);
    expect(runs.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
    // Exponential: 2 s, then 4 s, between the end of one run and the start of the next.
    const gap = (a?: Child, b?: Child) => Date.parse(b?.started_at ?? '') - Date.parse(a?.finished_at ?? '');
    expect(gap(runs[1], runs[2])).toBeGreaterThanOrEqual(4000);
    expect(gap(runs[0], runs[1])).toBeGreaterThanOrEqual(2000);
  });
});
