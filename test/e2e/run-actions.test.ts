import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, writePack } from './harness.js';

describe('running actions through attune up', () => {
  const attune = new AttuneProcess();
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  it('runs core.echo from the CLI and prints its output and status', async () => {
    const result = await attune.cli(['run', 'core.echo', 'message=hello']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('hello\n');
    expect(result.stdout).toContain('completed');
    expect(result.code).toBe(0);
  });

  it('delivers a hostile parameter intact and never executes it', async () => {
    const marker = path.join(tmpdir(), `attune-e2e-pwned-${process.pid}`);
    const message = `it's "quoted"\nsecond line $(touch ${marker}) \`touch ${marker}\` \\n $HOME`;
    const result = await attune.cli(['run', 'core.echo', `message=${message}`, '-o', 'json']);
    expect(result.code).toBe(0);
    const execution = JSON.parse(result.stdout) as ExecutionBody;
    expect(execution.status).toBe('completed');
    expect(execution.result?.stdout).toBe(`${message}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('records a non-zero exit as failed and keeps its stderr', async () => {
    const result = await attune.cli(['run', 'core.shell', 'cmd=echo oops >&2; exit 3', '-o', 'json']);
    expect(result.code).not.toBe(0);
    const execution = JSON.parse(result.stdout) as ExecutionBody;
    expect(execution.status).toBe('failed');
    expect(execution.result?.exit_code).toBe(3);
    expect(execution.result?.stderr).toBe('oops\n');
  });

  it('ends an action that overruns its timeout as timeout', async () => {
    const result = await attune.cli(['run', 'core.sleep', 'seconds=30', '--timeout', '1', '-o', 'json']);
    const execution = JSON.parse(result.stdout) as ExecutionBody;
    expect(execution.status).toBe('timeout');
    expect(result.code).not.toBe(0);
  });

  it('cancels a running action', async () => {
    const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', {
      action_ref: 'core.sleep',
      parameters: { seconds: 60 },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    await attune.waitForExecution(id, (e) => e.status === 'running');
    const cancel = await attune.cli(['execution', 'cancel', String(id)]);
    expect(cancel.code).toBe(0);
    const done = await attune.waitForExecution(id, isTerminal);
    expect(done.status).toBe('cancelled');
    const again = await attune.api<{ error: { code: string } }>('POST', `/api/v1/executions/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ERR_EXECUTION_NOT_CANCELABLE');
  });

  it('rejects invalid parameters with a 400 naming the parameter, creating no execution', async () => {
    const before = await attune.api<{ pagination: { total: number } }>('GET', '/api/v1/executions?limit=1');
    const response = await attune.api<{ error: { code: string; message: string } }>('POST', '/api/v1/executions', {
      action_ref: 'core.sleep',
      parameters: { seconds: 'soon' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ERR_ACTION_PARAMETERS_INVALID');
    expect(response.body.error.message).toContain('seconds');
    const missing = await attune.cli(['run', 'core.echo']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ERR_ACTION_PARAMETERS_INVALID');
    expect(missing.stderr).toContain('message');
    const after = await attune.api<{ pagination: { total: number } }>('GET', '/api/v1/executions?limit=1');
    expect(after.body.pagination.total).toBe(before.body.pagination.total);
  });

  it('lists and shows executions', async () => {
    // Its own executions, of two actions, so the filter has something to leave out.
    const ran = async (args: string[]) => (JSON.parse((await attune.cli(['run', ...args, '-o', 'json'])).stdout) as ExecutionBody).id;
    const echoes = [await ran(['core.echo', 'message=listed one']), await ran(['core.echo', 'message=listed two'])];
    const noop = await ran(['core.noop']);
    const list = await attune.cli(['execution', 'list', '--action', 'core.echo', '-o', 'json']);
    expect(list.code, list.stderr).toBe(0);
    const executions = JSON.parse(list.stdout) as ExecutionBody[];
    expect(executions.map((e) => e.id)).toEqual(expect.arrayContaining(echoes));
    expect(executions.map((e) => e.id)).not.toContain(noop);
    expect(executions.every((e) => e.action_ref === 'core.echo')).toBe(true);
    const show = await attune.cli(['execution', 'show', String(echoes[0])]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('core.echo');
    expect(show.stdout).toContain('listed one');
  });

  it('reports a malformed pack with file, line and field, and registers nothing', async () => {
    const dir = path.join(attune.home, 'broken-pack');
    writePack(dir, {
      'pack.yaml': 'ref: broken\nversion: 1.0.0\n',
      'actions/hi.sh': 'echo hi\n',
      'actions/hi.yaml': 'name: hi\nrunner_type: shell\nentry_point: hi.sh\ntimeout_seconds: ten\n',
    });
    const result = await attune.cli(['pack', 'register', dir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ERR_PACK_INVALID');
    expect(result.stderr).toMatch(/actions\/hi\.yaml:4:\d+/);
    expect(result.stderr).toContain('timeout_seconds');
    const pack = await attune.api('GET', '/api/v1/packs/broken');
    expect(pack.status).toBe(404);
  });

  it('registers, lists and removes a pack from a directory', async () => {
    const dir = path.join(attune.home, 'hello-pack');
    writePack(dir, {
      'pack.yaml': 'ref: hello\nversion: 0.1.0\ndescription: greets\n',
      'actions/greet.js': 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({hi:JSON.parse(s).name})));\n',
      'actions/greet.yaml': 'name: greet\nrunner_type: node\nentry_point: greet.js\noutput_format: json\nparameters:\n  name: {type: string, required: true}\n',
    });
    expect((await attune.cli(['pack', 'register', dir])).code).toBe(0);
    const run = await attune.cli(['run', 'hello.greet', 'name=World', '-o', 'json']);
    expect((JSON.parse(run.stdout) as ExecutionBody).result?.data).toEqual({ hi: 'World' });
    const actions = await attune.cli(['action', 'list', '--pack', 'hello', '-o', 'json']);
    expect((JSON.parse(actions.stdout) as { ref: string }[]).map((a) => a.ref)).toEqual(['hello.greet']);
    expect((await attune.cli(['pack', 'remove', 'hello'])).code).toBe(0);
    expect((await attune.api('GET', '/api/v1/actions/hello.greet')).status).toBe(404);
    const core = await attune.cli(['pack', 'remove', 'core']);
    expect(core.stderr).toContain('ERR_PACK_PROTECTED');
  });

  it('never stores or shows a secret parameter in clear, yet hands it to the action', async () => {
    const dir = path.join(attune.home, 'vault-pack');
    writePack(dir, {
      'pack.yaml': 'ref: vault\nversion: 0.1.0\n',
      'actions/login.js': 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);console.log(p.user+":"+(p.token==="hunter2-".repeat(3)?"ok":"wrong"))});\n',
      'actions/login.yaml': 'name: login\nrunner_type: node\nentry_point: login.js\nparameters:\n  user: {type: string}\n  token: {type: string, secret: true}\n',
    });
    expect((await attune.cli(['pack', 'register', dir])).code).toBe(0);
    const secret = 'hunter2-'.repeat(3);
    const run = await attune.cli(['run', 'vault.login', 'user=ann', `token=${secret}`, '-o', 'json']);
    const execution = JSON.parse(run.stdout) as ExecutionBody;
    expect(execution.result?.stdout).toBe('ann:ok\n');
    expect(execution.parameters).toEqual({ user: 'ann', token: '********' });
    for (const file of ['attune.db', 'attune.db-wal']) {
      const bytes = existsSync(path.join(attune.home, file)) ? readFileSync(path.join(attune.home, file)) : Buffer.alloc(0);
      expect(bytes.includes(secret)).toBe(false);
    }
  });

  it('retries a failing action up to its max_retries, keeping what each attempt left', async () => {
    const dir = path.join(attune.home, 'retry-pack');
    writePack(dir, {
      'pack.yaml': 'ref: retry\nversion: 0.1.0\n',
      // Fails on its first run in a directory, succeeds on the next.
      'actions/second.sh': 'if [ -e "$ATTUNE_EXEC_ID.ran" ]; then echo fine; else touch "$ATTUNE_EXEC_ID.ran"; echo nope >&2; exit 4; fi\n',
      'actions/second.yaml': 'name: second\nrunner_type: shell\nentry_point: second.sh\nmax_retries: 2\n',
      'actions/never.sh': 'exit 5\n',
      'actions/never.yaml': 'name: never\nrunner_type: shell\nentry_point: never.sh\nmax_retries: 1\n',
    });
    expect((await attune.cli(['pack', 'register', dir])).code).toBe(0);

    type Retried = ExecutionBody & { attempt: number; result: { previous_attempts?: { attempt: number; status: string; exit_code: number }[] } };
    const second = JSON.parse((await attune.cli(['run', 'retry.second', '-o', 'json'])).stdout) as Retried;
    expect(second).toMatchObject({ status: 'completed', attempt: 2 });
    expect(second.result.stdout).toBe('fine\n');
    expect(second.result.previous_attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'failed', exit_code: 4 })]);

    const never = JSON.parse((await attune.cli(['run', 'retry.never', '-o', 'json'])).stdout) as Retried;
    expect(never).toMatchObject({ status: 'failed', attempt: 2 });
    expect(never.result.previous_attempts?.map((a) => a.attempt)).toEqual([1]);
  });

  it('serves its OpenAPI document and interactive docs', async () => {
    const spec = await attune.api<{ openapi: string; paths: Record<string, unknown> }>('GET', '/api-spec/openapi.json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/health', '/api/v1/packs', '/api/v1/actions/{ref}', '/api/v1/executions/{id}/cancel']),
    );
    const docs = await fetch(`${attune.url}/docs`);
    expect(docs.status).toBe(200);
  });
});
