import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { AppError, type ValidationIssue } from '../domain/index.js';
import { loadPack } from './load-pack.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ACTION = 'name: flow\nworkflow_file: workflows/flow.yaml\n';
const FILE = 'actions/workflows/flow.yaml';

function packWith(graph: string, action = ACTION): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'attune-wf-'));
  dirs.push(dir);
  return writePack(dir, { 'pack.yaml': 'ref: demo\nversion: 1.0.0\n', 'actions/flow.yaml': action, [FILE]: graph });
}

async function issuesOf(dir: string): Promise<ValidationIssue[]> {
  const error = await loadPack(dir).then(() => undefined, (thrown: unknown) => thrown);
  if (!(error instanceof AppError)) throw new Error('the pack loaded');
  expect(error.code).toBe('ERR_PACK_INVALID');
  return error.details as ValidationIssue[];
}

describe('workflow files', () => {
  it('loads a graph: start tasks, transitions, legacy keys converted, defaults applied', async () => {
    const pack = await loadPack(
      packWith(
        [
          'version: 1',
          'tasks:',
          '  - {name: a, action: core.noop, next: [{when: "{{ succeeded() }}", publish: [{x: 1}], do: b}]}',
          '  - {name: b, action: core.noop, on_failure: c, on_complete: [d], retry: {count: 2, delay: 1}}',
          '  - {name: c, action: core.noop}',
          '  - {name: d, action: core.noop, join: all}',
          '',
        ].join('\n'),
      ),
    );
    const [action] = pack.actions;
    expect(action).toMatchObject({ ref: 'demo.flow', runnerType: 'workflow', entryPoint: 'workflows/flow.yaml' });
    expect(action?.workflow?.file).toBe(FILE);
    const [a, b] = action?.workflow?.tasks ?? [];
    expect(a?.next).toEqual([{ when: '{{ succeeded() }}', publish: [{ name: 'x', value: 1 }], do: ['b'] }]);
    expect(b?.next).toEqual([
      { when: '{{ failed() }}', publish: [], do: ['c'] },
      { when: '{{ true }}', publish: [], do: ['d'] },
    ]);
    expect(b?.retry).toEqual({ count: 2, delay: 1, backoff: 'constant', maxDelay: null, when: null });
  });

  it('locates every problem in the graph file: unknown task, unreachable task, bad retry, concurrency without items', async () => {
    const issues = await issuesOf(
      packWith(
        [
          'tasks:',
          '  - name: a',
          '    action: core.noop',
          '    next:',
          '      - do: [b, ghost]',
          '  - {name: b, action: core.noop}',
          '  - {name: island, action: core.noop, next: [{do: [island]}]}',
          '  - {name: c, action: core.noop, retry: {count: 2, delay: 5, max_delay: 1}, concurrency: 2}',
          '',
        ].join('\n'),
      ),
    );
    expect(issues.map((i) => [i.file, i.line, i.column, i.field, i.message])).toEqual([
      [FILE, 5, 17, 'tasks.0.next.0.do.1', 'no task "ghost" in this workflow'],
      [FILE, 7, 12, 'tasks.2.name', 'no path from a start task reaches "island": it can never run'],
      [FILE, 8, 73, 'tasks.3.retry.max_delay', 'must be at least retry.delay (5)'],
      [FILE, 8, 90, 'tasks.3.concurrency', 'needs with_items'],
    ]);
    const schema = await issuesOf(packWith('tasks: [{name: a, action: core.noop, retry: {count: 1, backoff: cubic}}]\n'));
    expect(schema.map((i) => [i.line, i.field])).toEqual([[1, 'tasks.0.retry.backoff']]);
  });

  it('reports a bad expression and a with_items that is no list once the file passes its schema', async () => {
    const issues = await issuesOf(
      packWith(
        [
          'tasks:',
          '  - {name: a, action: core.noop, next: [{when: "{{ succeded() }}", do: [b]}]}',
          '  - {name: b, action: core.noop, with_items: "not a list", input: {x: "{{ item.y + }}"}}',
          '',
        ].join('\n'),
      ),
    );
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [2, 'tasks.0.next.0.when'],
      [3, 'tasks.1.with_items'],
      [3, 'tasks.1.input.x'],
    ]);
    expect(issues[0]?.message).toContain("succeded()");
    expect(issues[1]?.message).toBe('must be a list, or one {{ }} template that yields a list');
  });

  it('loads a wait_for and checks its keys and templates', async () => {
    const pack = await loadPack(packWith('tasks: [{name: a, action: core.noop, wait_for: {prompt: "Go {{ parameters.x }}?", assignee: ann, timeout: 60}}]\n'));
    expect(pack.actions[0]?.workflow?.tasks[0]?.waitFor).toEqual({ prompt: 'Go {{ parameters.x }}?', assignee: 'ann', timeout: 60 });
    const issues = await issuesOf(packWith('tasks: [{name: a, action: core.noop, wait_for: {assignee: ann, who: x}}]\n'));
    expect(issues.map((i) => i.field)).toEqual(['tasks.0.wait_for.prompt', 'tasks.0.wait_for.who']);
    const template = await issuesOf(packWith('tasks: [{name: a, action: core.noop, wait_for: {prompt: "{{ nope( }}"}}]\n'));
    expect(template.map((i) => i.field)).toEqual(['tasks.0.wait_for.prompt']);
  });

  it('needs runner_type and entry_point without workflow_file, and refuses them with it', async () => {
    const plain = await issuesOf(packWith('tasks: [{name: a, action: core.noop}]\n', 'name: flow\n'));
    expect(plain.map((i) => i.field)).toEqual(['runner_type', 'entry_point']);
    const both = await issuesOf(packWith('tasks: [{name: a, action: core.noop}]\n', `${ACTION}runner_type: shell\n`));
    expect(both.map((i) => [i.field, i.message])).toEqual([['runner_type', 'a workflow action (workflow_file) has none']]);
    const outside = await issuesOf(packWith('tasks: [{name: a, action: core.noop}]\n', 'name: flow\nworkflow_file: ../../etc/passwd\n'));
    expect(outside.map((i) => i.field)).toEqual(['workflow_file']);
  });
});
