import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, until, writePack } from './harness.js';

interface InquiryBody {
  id: number;
  execution_id: number;
  status: string;
  assignee: string | null;
  requested_by: string | null;
  response: Record<string, unknown> | null;
  responded_by: string | null;
}
interface Workflow extends ExecutionBody {
  result: (ExecutionBody['result'] & { output?: Record<string, unknown> }) | null;
}

const PASSWORD = 'inquiry-password';

/** A gate: alice approves; the one who started it may not, even as admin. */
function writeGatePack(home: string): void {
  writePack(path.join(home, 'packs', 'gate'), {
    'pack.yaml': 'ref: gate\nversion: 1.0.0\n',
    'actions/deploy.yaml': 'name: deploy\nworkflow_file: workflows/deploy.yaml\n',
    'actions/workflows/deploy.yaml': [
      'tasks:',
      '  - name: approve',
      '    action: core.ask',
      '    input:',
      '      prompt: Deploy to production?',
      '      schema: {approved: {type: boolean, required: true}, ticket: {type: integer}}',
      '      assignee: alice',
      '      forbid_requester: true',
      '    next:',
      '      - {when: "{{ succeeded() && result().response.approved }}", publish: [{ticket: "{{ result().response.ticket }}"}], do: [deploy]}',
      '  - {name: deploy, action: core.shell, input: {cmd: "echo deploying {{ workflow.ticket }}"}}',
      'output_map: {said: "{{ task(\'deploy\').result.stdout.trim() }}", ticket: "{{ workflow.ticket }}"}',
      '',
    ].join('\n'),
  });
}

describe('inquiries, end to end', () => {
  const attune = new AttuneProcess();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    writeGatePack(attune.home);
    await attune.start();
    const approver = { name: 'approver', grants: [{ resource: 'inquiries', actions: ['read', 'respond'] }] };
    expect((await attune.api('POST', '/api/v1/permission-sets', approver)).status).toBe(201);
    for (const [login, sets] of [['alice', ['viewer', 'approver']], ['bob', ['viewer', 'approver']], ['carol', ['viewer']]] as const) {
      expect((await attune.api('POST', '/api/v1/identities', { login, password: PASSWORD, permission_sets: sets })).status).toBe(201);
      const session = await attune.apiAs<{ data: { access_token: string } }>(undefined, 'POST', '/auth/login', { login, password: PASSWORD });
      tokens.set(login, session.body.data.access_token);
    }
  });
  afterAll(() => attune.cleanup());

  const cliAs = (login: string, args: readonly string[]) => attune.cli(args, { ATTUNE_API_TOKEN: tokens.get(login) ?? '' });

  async function pendingOf(execution: number): Promise<InquiryBody> {
    const found = await until(
      async () => {
        const children = await attune.api<{ data: { id: number }[] }>('GET', `/api/v1/executions?parent=${execution}`);
        const ids = children.body.data.map((child) => child.id);
        const list = await attune.cli(['inquiry', 'list', '--status', 'pending', '-o', 'json']);
        return (JSON.parse(list.stdout) as InquiryBody[]).find((inquiry) => ids.includes(inquiry.execution_id));
      },
      (inquiry) => inquiry !== undefined,
      25,
    );
    return found as InquiryBody;
  }

  it('is answered through the CLI by its assignee, and refused for another viewer, another approver and the requester', async () => {
    const started = await attune.api<{ data: { id: number } }>('POST', '/api/v1/executions', { action_ref: 'gate.deploy' });
    const flow = started.body.data.id;
    const inquiry = await pendingOf(flow);
    expect(inquiry).toMatchObject({ assignee: 'alice', requested_by: 'admin', status: 'pending' });
    expect((await attune.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${inquiry.execution_id}`)).body.data.status).toBe('running');

    const viewer = await cliAs('carol', ['inquiry', 'respond', String(inquiry.id), 'approved=true']);
    expect({ code: viewer.code, stderr: viewer.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining('ERR_FORBIDDEN') as unknown });
    const other = await cliAs('bob', ['inquiry', 'respond', String(inquiry.id), 'approved=true']);
    expect(other.stderr).toContain('ERR_INQUIRY_NOT_ASSIGNEE');
    const requester = await attune.cli(['inquiry', 'respond', String(inquiry.id), 'approved=true']);
    expect(requester.stderr).toContain('ERR_INQUIRY_NOT_ASSIGNEE');
    const invalid = await cliAs('alice', ['inquiry', 'respond', String(inquiry.id), 'ticket=7']);
    expect(invalid.stderr).toContain('ERR_INQUIRY_RESPONSE_INVALID');
    expect((await attune.api<{ data: InquiryBody }>('GET', `/api/v1/inquiries/${inquiry.id}`)).body.data.status).toBe('pending');

    const answered = await cliAs('alice', ['inquiry', 'respond', String(inquiry.id), 'approved=true', 'ticket=42', '-o', 'json']);
    expect(answered.code, answered.stderr).toBe(0);
    expect(JSON.parse(answered.stdout)).toMatchObject({ status: 'responded', response: { approved: true, ticket: 42 }, responded_by: 'alice' });
    const done = (await attune.waitForExecution(flow, (e) => e.status !== 'running')) as Workflow;
    expect(done).toMatchObject({ status: 'completed', result: { output: { said: 'deploying 42', ticket: 42 } } });
    const again = await cliAs('alice', ['inquiry', 'respond', String(inquiry.id), 'approved=false']);
    expect(again.stderr).toContain('ERR_INQUIRY_NOT_PENDING');
    const shown = await cliAs('carol', ['inquiry', 'show', String(inquiry.id), '-o', 'json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: inquiry.id, status: 'responded', responded_by: 'alice' });
  });

  it('times out from its due time, and the examples release takes its timed_out() branch after its fan-out and retried check', async () => {
    const run = await attune.cli(['run', 'examples.release', 'approval_timeout=1', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const flow = JSON.parse(run.stdout) as Workflow;
    expect(flow.result?.output).toEqual({ builds: ['built-linux', 'built-macos', 'built-windows'], outcome: 'expired' });
    const children = await attune.api<{ data: { task_name: string; status: string }[] }>('GET', `/api/v1/executions?parent=${flow.id}&limit=100`);
    const byTask = (name: string) => children.body.data.filter((child) => child.task_name === name).map((child) => child.status);
    expect(byTask('check').sort()).toEqual(['completed', 'failed']);
    expect(byTask('approve')).toEqual(['timeout']);
    expect(byTask('ship')).toEqual([]);
    const inquiries = await attune.api<{ data: InquiryBody[] }>('GET', '/api/v1/inquiries?status=timed_out');
    expect(inquiries.body.data).toHaveLength(1);
  });
});
