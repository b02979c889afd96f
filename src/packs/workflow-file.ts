import path from 'node:path';
import {
  BACKOFF_KINDS,
  inboundTasks,
  startTasks,
  type ValidationIssue,
  type WorkflowRetry,
  type WorkflowSpec,
  type WorkflowTask,
  type WorkflowTransition,
} from '../domain/index.js';
import { type CelIssue, compileWorkflowCondition, compileWorkflowValue, parseTemplate } from '../rules/index.js';
import type { CheckContext } from './component-kinds.js';
import { refFormatIssues } from './component-checks.js';
import type { ActionFile } from './file-schemas.js';
import { compileFileSchema, schemaIssues } from './schema-issues.js';
import { issueAt, parseYaml, type YamlSource } from './yaml-source.js';

const TASK_NAME = '^[A-Za-z_][A-Za-z0-9_-]*$';
const names = { type: ['string', 'array'], items: { type: 'string' } } as const;
const seconds = { type: 'number', minimum: 0 } as const;

/** The workflow graph file (issue 9): Orquesta-like, with the legacy on_* keys still accepted. */
export const WORKFLOW_FILE_SCHEMA = {
  type: 'object',
  required: ['tasks'],
  additionalProperties: false,
  properties: {
    version: { enum: [1, '1', '1.0'] },
    description: { type: 'string' },
    vars: { type: 'object' },
    tasks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'action'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: TASK_NAME },
          action: { type: 'string' },
          input: { type: 'object' },
          next: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                when: { type: 'string' },
                publish: { type: 'array', items: { type: 'object', minProperties: 1, maxProperties: 1 } },
                do: names,
              },
            },
          },
          join: { anyOf: [{ const: 'all' }, { type: 'integer', minimum: 1 }] },
          with_items: { type: ['string', 'array'] },
          concurrency: { type: 'integer', minimum: 1 },
          retry: {
            type: 'object',
            required: ['count'],
            additionalProperties: false,
            properties: {
              count: { type: 'integer', minimum: 1 },
              delay: seconds,
              backoff: { enum: [...BACKOFF_KINDS] },
              max_delay: seconds,
              when: { type: 'string' },
            },
          },
          timeout: { type: 'integer', minimum: 1 },
          delay: seconds,
          wait_for: {
            type: 'object',
            required: ['prompt'],
            additionalProperties: false,
            properties: {
              prompt: { type: 'string' },
              schema: { type: 'object' },
              assignee: { type: 'string' },
              role: { type: 'string' },
              timeout: { type: ['integer', 'string'] },
              forbid_requester: { type: ['boolean', 'string'] },
            },
          },
          on_success: names,
          on_failure: names,
          on_complete: names,
        },
      },
    },
    output_map: { type: 'object' },
  },
} as const;

type Names = string | readonly string[];

interface TaskFile {
  readonly name: string;
  readonly action: string;
  readonly input?: Record<string, unknown>;
  readonly next?: readonly { readonly when?: string; readonly publish?: readonly Record<string, unknown>[]; readonly do?: Names }[];
  readonly join?: 'all' | number;
  readonly with_items?: string | readonly unknown[];
  readonly concurrency?: number;
  readonly retry?: { count: number; delay?: number; backoff?: WorkflowRetry['backoff']; max_delay?: number; when?: string };
  readonly timeout?: number;
  readonly delay?: number;
  readonly wait_for?: Record<string, unknown>;
  readonly on_success?: Names;
  readonly on_failure?: Names;
  readonly on_complete?: Names;
}

interface WorkflowFile {
  readonly vars?: Record<string, unknown>;
  readonly tasks: readonly TaskFile[];
  readonly output_map?: Record<string, unknown>;
}

const validateWorkflow = compileFileSchema<WorkflowFile>(WORKFLOW_FILE_SCHEMA);

const list = (value: Names | undefined): string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : [...value]);

/** Where a transition's `do` came from in the file, to locate an unknown task in it. */
interface Located<T> {
  readonly value: T;
  readonly segments: readonly string[];
}

const LEGACY = [
  ['on_success', '{{ succeeded() }}'],
  ['on_failure', '{{ failed() }}'],
  // Explicit, so a failed task that goes on through on_complete counts as handled.
  ['on_complete', '{{ true }}'],
] as const;

/** A task's transitions: `next` as written, then the legacy `on_*` keys converted. */
function transitionsOf(task: TaskFile, at: readonly string[]): Located<WorkflowTransition>[] {
  const next = (task.next ?? []).map((t, j) => ({
    value: {
      when: t.when ?? null,
      publish: (t.publish ?? []).flatMap((entry) => Object.entries(entry).map(([name, value]) => ({ name, value }))),
      do: list(t.do),
    },
    segments: [...at, 'next', String(j), 'do'],
  }));
  const legacy = LEGACY.flatMap(([key, when]) =>
    task[key] === undefined ? [] : [{ value: { when, publish: [], do: list(task[key]) }, segments: [...at, key] }],
  );
  return [...next, ...legacy];
}

function toTask(task: TaskFile, transitions: readonly WorkflowTransition[]): WorkflowTask {
  const retry = task.retry;
  return {
    name: task.name,
    action: task.action,
    input: task.input ?? {},
    next: transitions,
    join: task.join ?? null,
    withItems: task.with_items ?? null,
    concurrency: task.concurrency ?? null,
    retry: retry
      ? { count: retry.count, delay: retry.delay ?? 0, backoff: retry.backoff ?? 'constant', maxDelay: retry.max_delay ?? null, when: retry.when ?? null }
      : null,
    timeout: task.timeout ?? null,
    delay: task.delay ?? null,
    waitFor: task.wait_for ?? null,
  };
}

/**
 * Reads, validates and converts the graph file of a workflow action. Every problem is located in
 * the graph file: an unknown task in `do`, a task nothing leads to, a bad expression, a bad
 * retry, a with_items that is no list.
 */
export async function loadWorkflowFile(
  context: CheckContext,
  action: ActionFile,
): Promise<{ readonly issues: ValidationIssue[]; readonly workflow: WorkflowSpec | null }> {
  const fail = (issues: ValidationIssue[]) => ({ issues, workflow: null });
  const given = action.workflow_file ?? '';
  const extra = (['runner_type', 'entry_point'] as const).filter((field) => action[field] !== undefined);
  if (extra.length > 0) return fail(extra.map((field) => issueAt(context.source, [field], 'a workflow action (workflow_file) has none')));
  const problem = await context.files.programProblem('actions', given);
  if (problem) return fail([issueAt(context.source, ['workflow_file'], problem)]);
  const file = `actions/${path.posix.normalize(given.split(path.sep).join('/'))}`;
  const read = await context.files.readText(file);
  if ('issue' in read) return fail([read.issue]);
  const parsed = parseYaml(file, read.text);
  if (parsed.issues.length > 0) return fail([...parsed.issues]);
  const schema = schemaIssues(validateWorkflow, parsed.source, parsed.data);
  if (!schema.ok) return fail([...schema.issues]);
  const data = parsed.data as WorkflowFile;
  const located = data.tasks.map((task, i) => transitionsOf(task, ['tasks', String(i)]));
  const workflow: WorkflowSpec = {
    file,
    vars: data.vars ?? {},
    tasks: data.tasks.map((task, i) => toTask(task, (located[i] ?? []).map((t) => t.value))),
    outputMap: data.output_map ?? {},
  };
  const issues = [...graphIssues(parsed.source, workflow, located), ...expressionIssues(parsed.source, workflow)];
  return issues.length > 0 ? fail(issues) : { issues: [], workflow };
}

function graphIssues(source: YamlSource, workflow: WorkflowSpec, located: readonly Located<WorkflowTransition>[][]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const known = new Set<string>();
  workflow.tasks.forEach((task, i) => {
    const at = ['tasks', String(i)];
    if (known.has(task.name)) issues.push(issueAt(source, [...at, 'name'], `duplicate task name "${task.name}"`));
    known.add(task.name);
    issues.push(...refFormatIssues(source, [...at, 'action'], task.action));
  });
  located.forEach((transitions) =>
    transitions.forEach(({ value, segments }) =>
      value.do.forEach((target, k) => {
        if (known.has(target)) return;
        const where = segments.at(-1) === 'do' ? [...segments, String(k)] : segments;
        issues.push(issueAt(source, where, `no task "${target}" in this workflow`));
      }),
    ),
  );
  issues.push(...reachIssues(source, workflow));
  const inbound = inboundTasks(workflow);
  workflow.tasks.forEach((task, i) => issues.push(...taskShapeIssues(source, task, ['tasks', String(i)], inbound.get(task.name)?.length ?? 0)));
  return issues;
}

/** Every task must be reachable from a start task (one no transition leads to). */
function reachIssues(source: YamlSource, workflow: WorkflowSpec): ValidationIssue[] {
  const starts = startTasks(workflow);
  if (starts.length === 0) return [issueAt(source, ['tasks'], 'every task is the target of a transition: there is no task to start with')];
  const byName = new Map(workflow.tasks.map((task) => [task.name, task]));
  const reached = new Set<string>();
  const pending = [...starts];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (reached.has(name)) continue;
    reached.add(name);
    pending.push(...(byName.get(name)?.next.flatMap((t) => t.do) ?? []));
  }
  return workflow.tasks.flatMap((task, i) =>
    reached.has(task.name) ? [] : [issueAt(source, ['tasks', String(i), 'name'], `no path from a start task reaches "${task.name}": it can never run`)],
  );
}

function taskShapeIssues(source: YamlSource, task: WorkflowTask, at: readonly string[], inbound: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof task.withItems === 'string' && parseTemplate(task.withItems).kind !== 'whole') {
    issues.push(issueAt(source, [...at, 'with_items'], 'must be a list, or one {{ }} template that yields a list'));
  }
  if (task.concurrency !== null && task.withItems === null) issues.push(issueAt(source, [...at, 'concurrency'], 'needs with_items'));
  if (typeof task.join === 'number' && task.join > inbound) {
    issues.push(issueAt(source, [...at, 'join'], `waits for ${task.join} tasks but only ${inbound} lead here`));
  }
  const retry = task.retry;
  if (retry && retry.maxDelay !== null && retry.maxDelay < retry.delay) {
    issues.push(issueAt(source, [...at, 'retry', 'max_delay'], `must be at least retry.delay (${retry.delay})`));
  }
  return issues;
}

/** Every template and condition compiles in the workflow's CEL environment. */
function expressionIssues(source: YamlSource, workflow: WorkflowSpec): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const value = (segments: readonly string[], v: unknown) => report(segments, compileWorkflowValue(segments.join('.'), v));
  const condition = (segments: readonly string[], text: string | null) =>
    text === null ? undefined : report(segments, compileWorkflowCondition(segments.join('.'), text));
  function report(segments: readonly string[], result: { ok: true } | { ok: false; issues: readonly CelIssue[] }): void {
    if (!result.ok) issues.push(...result.issues.map((cel) => issueAt(source, segments, `${cel.message} in "${cel.expression}"`)));
  }
  Object.entries(workflow.vars).forEach(([name, v]) => value(['vars', name], v));
  Object.entries(workflow.outputMap).forEach(([name, v]) => value(['output_map', name], v));
  workflow.tasks.forEach((task, i) => {
    const at = ['tasks', String(i)];
    Object.entries(task.input).forEach(([name, v]) => value([...at, 'input', name], v));
    if (task.withItems !== null) value([...at, 'with_items'], task.withItems);
    Object.entries(task.waitFor ?? {}).forEach(([name, v]) => value([...at, 'wait_for', name], v));
    condition([...at, 'retry', 'when'], task.retry?.when ?? null);
    task.next.forEach((transition, j) => {
      const next = [...at, 'next', String(j)];
      condition([...next, 'when'], transition.when);
      transition.publish.forEach((entry, k) => value([...next, 'publish', String(k), entry.name], entry.value));
    });
  });
  return issues;
}
