import { describe, expect, it } from 'vitest';
import type { WorkflowSpec, WorkflowTask } from '../domain/index.js';
import { rewindWorkflow } from './workflow-rewind.js';
import { type TaskState, type WorkflowDoc, newWorkflowDoc } from './workflow-doc.js';

const task = (name: string, next: string[] = [], extra: Partial<WorkflowTask> = {}): WorkflowTask => ({
  name,
  action: 'core.noop',
  input: {},
  next: next.length === 0 ? [] : [{ when: null, publish: [], do: next }],
  join: null,
  withItems: null,
  concurrency: null,
  retry: null,
  timeout: null,
  delay: null,
  ...extra,
});

/** start → left, right → both (join: all) → last. */
const SPEC: WorkflowSpec = {
  file: 'flow.yaml',
  vars: {},
  tasks: [task('start', ['left', 'right']), task('left', ['both']), task('right', ['both']), task('both', ['last'], { join: 'all' }), task('last')],
  outputMap: {},
};

const state = (status: TaskState['status'], transitions: string[] = [], result: unknown = null): TaskState => ({
  status,
  items: null,
  results: [result],
  nextItem: 0,
  done: 1,
  failedItems: status === 'succeeded' ? 0 : 1,
  runs: [],
  runCount: 1,
  transitions,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
});

/** left failed unhandled; right succeeded after that, so its arrival at the join was never counted. */
function failedAtLeft(): WorkflowDoc {
  return {
    ...newWorkflowDoc({ p: 1 }),
    vars: { v: 'left-was-here', s: 'start', r: 'right' },
    initialVars: { v: 0 },
    published: [
      { task: 'start', name: 's', value: 'start' },
      { task: 'left', name: 'v', value: 'left-was-here' },
      { task: 'right', name: 'r', value: 'right' },
    ],
    tasks: { start: state('succeeded', ['left', 'right'], 'S'), left: state('failed'), right: state('succeeded', ['both'], 'R') },
    failure: 'task "left" failed and no transition handles it',
  };
}

describe('rewindWorkflow', () => {
  it('keeps the tasks before the rerun task and their publishes, and counts a branch cut short by the failure at the join', () => {
    const doc = rewindWorkflow(SPEC, failedAtLeft(), ['left']);
    if (typeof doc === 'string') throw new Error(doc);
    expect(Object.keys(doc.tasks)).toEqual(['start', 'right']);
    expect(doc.vars).toEqual({ v: 0, s: 'start', r: 'right' });
    expect(doc).toMatchObject({ failure: null, canceling: false, waiting: [], parameters: { p: 1 } });
    expect(doc.rerun).toEqual({ tasks: ['left'], reenter: [{ from: 'right', to: 'both' }] });
  });

  it('re-runs a task left failed outside the named branch, once, and not a task already downstream of another', () => {
    const old = failedAtLeft();
    old.tasks.right = state('failed');
    const doc = rewindWorkflow(SPEC, old, ['right', 'left']);
    if (typeof doc === 'string') throw new Error(doc);
    expect(doc.rerun?.tasks).toEqual(['right', 'left']);
    const fromStart = rewindWorkflow(SPEC, old, ['left', 'start']);
    if (typeof fromStart === 'string') throw new Error(fromStart);
    expect(fromStart.rerun?.tasks).toEqual(['start']); // left and right are after start
    expect(fromStart.tasks).toEqual({});
    expect(fromStart.vars).toEqual({ v: 0 });
  });

  it('refuses a task the workflow does not have, or one that did not run', () => {
    expect(rewindWorkflow(SPEC, failedAtLeft(), ['ghost'])).toBe('the workflow has no task "ghost"');
    expect(rewindWorkflow(SPEC, failedAtLeft(), ['last'])).toBe('task "last" did not run in this execution: re-run from a task that ran');
  });
});
