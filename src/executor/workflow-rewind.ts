import type { WorkflowSpec } from '../domain/index.js';
import type { Rerun, TaskState, WorkflowDoc } from './workflow-doc.js';

/**
 * The state a rerun of a finished workflow starts from (`attune execution rerun <id> --from
 * <task>`): the tasks before `from` keep their results, `from` and every task after it (any
 * task a transition path from it reaches) run again, and the variables are those the kept tasks
 * published, replayed in order onto the first values of `vars`.
 *
 * A task outside that set which did not finish well (it failed with no transition handling it,
 * or was cut short by a cancel) runs again too: left as it was, the rerun could never succeed.
 * Transitions that a task took while the original was already failing were never followed (no
 * task starts after a failure); the rerun follows them.
 *
 * Pure: returns the new document, or the message of why `from` cannot be re-run from.
 */
export function rewindWorkflow(spec: WorkflowSpec, old: WorkflowDoc, from: readonly string[]): WorkflowDoc | string {
  for (const name of from) {
    if (!spec.tasks.some((task) => task.name === name)) return `the workflow has no task "${name}"`;
    if (!old.tasks[name]) return `task "${name}" did not run in this execution: re-run from a task that ran`;
  }
  const known = new Set(spec.tasks.map((task) => task.name));
  const unfinished = Object.entries(old.tasks)
    .filter(([name, state]) => known.has(name) && state.status !== 'succeeded' && state.transitions.length === 0)
    .map(([name]) => name);
  const reach = reachability(spec);
  const roots = rootsOf([...from, ...unfinished], reach);
  const reset = new Set(roots.flatMap((root) => [...(reach.get(root) ?? [])]));

  const tasks: Record<string, TaskState> = {};
  for (const [name, state] of Object.entries(old.tasks)) if (!reset.has(name)) tasks[name] = { ...state, runs: [] };
  const published = (old.published ?? []).filter((p) => !reset.has(p.task));
  let vars = { ...old.vars }; // a state written before publishes were logged: its variables as they ended
  if (old.initialVars !== undefined) {
    vars = { ...old.initialVars };
    for (const p of published) vars[p.name] = p.value;
  }
  const arrivals: Record<string, string[]> = {};
  for (const [join, sources] of Object.entries(old.arrivals)) {
    const kept = sources.filter((source) => !reset.has(source));
    if (kept.length > 0) arrivals[join] = kept;
  }
  const rerun: Rerun = { tasks: roots, reenter: toReplay(old, tasks, reset, new Set(roots)) };
  return { parameters: old.parameters, vars, tasks, arrivals, waiting: [], failure: null, canceling: false, initialVars: old.initialVars ?? { ...old.vars }, published, rerun };
}

/** Each task with every task a transition path from it reaches (itself included). */
function reachability(spec: WorkflowSpec): Map<string, Set<string>> {
  const edges = new Map(spec.tasks.map((task) => [task.name, task.next.flatMap((t) => t.do)]));
  const reach = new Map<string, Set<string>>();
  for (const task of spec.tasks) {
    const seen = new Set<string>([task.name]);
    const queue = [task.name];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      for (const next of edges.get(name) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    reach.set(task.name, seen);
  }
  return reach;
}

/** The candidates none of the others reaches: each re-run task starts once, from one root. */
function rootsOf(candidates: readonly string[], reach: Map<string, Set<string>>): string[] {
  const roots: string[] = [];
  for (const name of candidates) {
    if (roots.some((root) => reach.get(root)?.has(name))) continue; // already re-run from an earlier root
    const covers = reach.get(name) ?? new Set<string>();
    for (let i = roots.length - 1; i >= 0; i--) if (covers.has(roots[i] ?? '')) roots.splice(i, 1);
    roots.push(name);
  }
  return roots;
}

/**
 * Transitions kept tasks took whose effect the rerun must make again: into a task that runs again
 * (its state was reset), or one the original never followed (the target never started, or a join
 * never counted the arrival, because the workflow was failing by then).
 */
function toReplay(old: WorkflowDoc, kept: Record<string, TaskState>, reset: ReadonlySet<string>, roots: ReadonlySet<string>): Rerun['reenter'] {
  const reenter: { from: string; to: string }[] = [];
  for (const [from, state] of Object.entries(kept)) {
    for (const to of new Set(state.transitions)) {
      if (roots.has(to)) continue; // starts anyway
      if (reset.has(to) || !old.tasks[to] || !(old.arrivals[to] ?? [from]).includes(from)) reenter.push({ from, to });
    }
  }
  return reenter;
}
