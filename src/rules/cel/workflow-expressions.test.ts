import { describe, expect, it } from 'vitest';
import { compileWorkflowCondition, compileWorkflowValue, type WorkflowContext } from './workflow-expressions.js';

const ctx: WorkflowContext = {
  parameters: { items: [1, 2] },
  workflow: { greeting: 'hello' },
  tasks: { fan: { name: 'fan', status: 'succeeded', result: [{ stdout: 'a' }, { stdout: 'b' }, { stdout: 'c' }] } },
  keystore: {},
  system: {},
  task: { name: 'start', status: 'failed', result: { stdout: 'hi', exit_code: 3 } },
};

describe('workflow expressions', () => {
  it('decides transitions with the helpers of the task in hand', () => {
    const holds = (text: string) => {
      const compiled = compileWorkflowCondition('when', text);
      if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
      return compiled.compiled.holds(ctx);
    };
    expect(holds('{{ failed() }}')).toBe(true);
    expect(holds('{{ succeeded() }}')).toBe(false);
    expect(holds('{{ timed_out() }}')).toBe(false);
    expect(holds('{{ result().exit_code == 3 && task.name == "start" }}')).toBe(true);
    expect(holds("{{ task('fan').status == 'succeeded' && task('nope').status == 'not_run' }}")).toBe(true);
  });

  it('renders values keeping the type of a whole template, in every namespace', () => {
    const compiled = compileWorkflowValue('input', {
      stdout: '{{ result().stdout }}',
      fanned: "{{ size(task('fan').result) }}",
      items: '{{ parameters.items }}',
      mixed: 'item-{{ item }} at {{ index }}',
      greeting: '{{ workflow.greeting }}',
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
    expect(compiled.compiled.render({ ...ctx, item: 'x', index: 4 })).toEqual({
      stdout: 'hi',
      fanned: 3,
      items: [1, 2],
      mixed: 'item-x at 4',
      greeting: 'hello',
    });
  });

  it('refuses unknown helpers and namespaces, non-bool conditions and mixed text as a condition', () => {
    expect(compileWorkflowCondition('when', '{{ succeded() }}')).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('succeded') }] });
    expect(compileWorkflowCondition('when', '{{ 1 + 2 }}')).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('bool') }] });
    expect(compileWorkflowCondition('when', 'x {{ succeeded() }}')).toMatchObject({ ok: false });
    expect(compileWorkflowValue('input', { a: '{{ event.payload }}' })).toMatchObject({ ok: false, issues: [{ field: 'input.a' }] });
  });
});
