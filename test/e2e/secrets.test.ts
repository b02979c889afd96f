import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, makeHome, until, writePack } from './harness.js';

const PACK_SECRET = 'pack-config-secret-4711';
const PACK_RULE_SECRET = 'pack-rule-literal-0815';
const API_RULE_SECRET = 'api-rule-literal-1337';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Prints the user and a hash of the token, so the test can check the value without storing it in clear. */
const LOGIN_JS =
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);' +
  'console.log(JSON.stringify({user:p.user,token:require("crypto").createHash("sha256").update(String(p.token)).digest("hex")}))});\n';
/** Tells the test where its parameters file is, then waits to be killed. */
const HOLD_JS = 'require("fs").writeFileSync(JSON.parse(require("fs").readFileSync(process.env.ATTUNE_PARAMETERS_FILE,"utf8")).marker,process.env.ATTUNE_PARAMETERS_FILE);setTimeout(()=>{},600000);\n';

function writeVaultPack(home: string): void {
  writePack(path.join(home, 'packs', 'vault'), {
    'pack.yaml': [
      'ref: vault',
      'version: 0.1.0',
      'conf_schema:',
      '  api_token: {type: string, secret: true}',
      '  region: {type: string}',
      'config:',
      `  api_token: ${PACK_SECRET}`,
      '  region: eu',
      '',
    ].join('\n'),
    'triggers/poke.yaml': 'name: poke\n',
    'actions/login.js': LOGIN_JS,
    'actions/login.yaml': 'name: login\nrunner_type: node\nentry_point: login.js\noutput_format: json\nparameters:\n  user: {type: string}\n  token: {type: string, secret: true}\n',
    'actions/hold.js': HOLD_JS,
    'actions/hold.yaml': 'name: hold\nrunner_type: node\nentry_point: hold.js\nparameter_delivery: file\nparameters:\n  marker: {type: string}\n  token: {type: string, secret: true}\n',
    'rules/from-config.yaml':
      'name: from_config\ntrigger_ref: vault.poke\nconditions: event.payload.which == "config"\naction_ref: vault.login\naction_params:\n  user: cfg\n  token: "{{ pack.config.api_token }}"\n',
    'rules/literal.yaml': `name: literal\ntrigger_ref: vault.poke\nconditions: event.payload.which == "literal"\naction_ref: vault.login\naction_params:\n  user: lit\n  token: ${PACK_RULE_SECRET}\n`,
  });
}

type Page<T> = { data: T[] };

describe('secrets through attune up', () => {
  const home = makeHome();
  writeVaultPack(home);
  const attune = new AttuneProcess(home);
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  /** What Attune wrote to disk: the database and its log. */
  const storedBytes = () =>
    ['attune.db', 'attune.db-wal', 'logs/attune.log']
      .map((file) => path.join(home, file))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file));

  /** Emits a vault.poke event and returns the execution its rule made. */
  const poke = async (which: string, ruleRef: string): Promise<ExecutionBody> => {
    const list = () => attune.api<Page<ExecutionBody>>('GET', `/api/v1/executions?rule_ref=${ruleRef}`).then((r) => r.body.data);
    const before = (await list()).length;
    const emitted = await attune.api('POST', '/api/v1/events', { trigger_ref: 'vault.poke', payload: { which } });
    expect(emitted.status).toBe(201);
    const [newest] = await until(list, (data) => data.length > before && data[0] !== undefined && isTerminal(data[0]), 25);
    // Lists carry a result summary: the whole execution comes from its own route.
    return (await attune.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${newest?.id}`)).body.data;
  };

  it('passes a user value shaped like a sealed secret through intact and shows it as given', async () => {
    let received: { body: string; headers: IncomingHttpHeaders } | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received = { body, headers: request.headers };
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const lookalike = { $secret: 'x' };
      const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', {
        action_ref: 'core.http_request',
        parameters: { url, method: 'POST', json_body: lookalike },
      });
      expect(created.status).toBe(201);
      expect(created.body.data.parameters.json_body).toEqual(lookalike);
      const done = await attune.waitForExecution(created.body.data.id, isTerminal);
      expect(done.status).toBe('completed');
      expect(done.parameters.json_body).toEqual(lookalike);
      expect(JSON.parse(received?.body ?? 'null')).toEqual(lookalike);
    } finally {
      server.close();
    }
  });

  it('never shows a pack config value marked secret, yet rules read it', async () => {
    const shown = await attune.api<{ data: { config: Record<string, unknown> } }>('GET', '/api/v1/packs/vault');
    expect(shown.body.data.config).toEqual({ api_token: '********', region: 'eu' });
    const listed = await attune.api<Page<{ ref: string; config: Record<string, unknown> }>>('GET', '/api/v1/packs');
    expect(listed.body.data.find((p) => p.ref === 'vault')?.config.api_token).toBe('********');
    const cli = await attune.cli(['pack', 'show', 'vault', '-o', 'json']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).not.toContain(PACK_SECRET);
    expect((JSON.parse(cli.stdout) as { config: Record<string, unknown> }).config.api_token).toBe('********');

    const execution = await poke('config', 'vault.from_config');
    expect(execution.status).toBe('completed');
    expect(execution.result?.data).toEqual({ user: 'cfg', token: sha(PACK_SECRET) });
    expect(execution.parameters.token).toBe('********');
    for (const bytes of storedBytes()) expect(bytes.includes(PACK_SECRET)).toBe(false);
  });

  it('stores a rule literal for a secret parameter sealed, shows it masked, and hands it to the action', async () => {
    const fromPack = await attune.api<{ data: { action_params: Record<string, unknown> } }>('GET', '/api/v1/rules/vault.literal');
    expect(fromPack.body.data.action_params).toEqual({ user: 'lit', token: '********' });
    // A whole template names where the value comes from; it is no secret itself and stays readable.
    const templated = await attune.api<{ data: { action_params: Record<string, unknown> } }>('GET', '/api/v1/rules/vault.from_config');
    expect(templated.body.data.action_params.token).toBe('{{ pack.config.api_token }}');
    expect((await poke('literal', 'vault.literal')).result?.data).toEqual({ user: 'lit', token: sha(PACK_RULE_SECRET) });

    const rule = {
      ref: 'vault.api_literal',
      trigger_ref: 'vault.poke',
      conditions: 'event.payload.which == "api"',
      action_ref: 'vault.login',
      action_params: { user: 'api', token: API_RULE_SECRET },
    };
    const created = await attune.api<{ data: { action_params: Record<string, unknown> } }>('POST', '/api/v1/rules', rule);
    expect(created.status).toBe(201);
    expect(created.body.data.action_params).toEqual({ user: 'api', token: '********' });
    const shown = await attune.cli(['rule', 'show', 'vault.api_literal', '-o', 'json']);
    expect(shown.stdout).not.toContain(API_RULE_SECRET);
    // Sending back what GET showed keeps the stored secret.
    const patched = await attune.api('PATCH', '/api/v1/rules/vault.api_literal', { action_params: { user: 'api2', token: '********' } });
    expect(patched.status).toBe(200);
    expect((await poke('api', 'vault.api_literal')).result?.data).toEqual({ user: 'api2', token: sha(API_RULE_SECRET) });
    for (const bytes of storedBytes()) {
      expect(bytes.includes(PACK_RULE_SECRET)).toBe(false);
      expect(bytes.includes(API_RULE_SECRET)).toBe(false);
    }
  });

  it('keeps credential headers out of webhook events', async () => {
    const rule = { ref: 'vault.hook', trigger_ref: 'core.webhook', trigger_params: { url: 'vault-hook' }, action_ref: 'core.noop' };
    expect((await attune.api('POST', '/api/v1/rules', rule)).status).toBe(201);
    const credentials = {
      authorization: 'Bearer a1',
      'proxy-authorization': 'Basic a2',
      cookie: 'session=a3',
      'x-api-key': 'a4',
      'x-auth-token': 'a5',
      'x-hub-signature-256': 'sha256=a6',
      'x-vault-secret': 'a7',
      'x-amz-security-token': 'a8',
      'x-user-password': 'a9',
    };
    const response = await fetch(`${attune.url}/api/v1/webhooks/vault-hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'r-1', ...credentials },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(202);
    const { data } = (await response.json()) as { data: { events: number[] } };
    const event = await attune.api<{ data: { payload: { headers: Record<string, string>; body: unknown } } }>('GET', `/api/v1/events/${data.events[0]}`);
    const { headers, body } = event.body.data.payload;
    expect(body).toEqual({ hello: 'world' });
    expect(headers['x-request-id']).toBe('r-1');
    expect(headers['content-type']).toBe('application/json');
    for (const name of Object.keys(credentials)) expect(headers).not.toHaveProperty(name);
  });

  it('takes parameters from a file or from stdin, so secrets stay off the command line', async () => {
    const file = path.join(home, 'login.params.json');
    writeFileSync(file, JSON.stringify({ user: 'file', token: 'from-a-file' }));
    const fromFile = await attune.cli(['run', 'vault.login', '--params-file', file, '-o', 'json']);
    expect(fromFile.code).toBe(0);
    expect((JSON.parse(fromFile.stdout) as ExecutionBody).result?.data).toEqual({ user: 'file', token: sha('from-a-file') });

    const fromStdin = await attune.cli(['action', 'execute', 'vault.login', '--params-file', '-', '--wait', '-o', 'json'], {}, 'user: yaml\ntoken: from-stdin\n');
    expect(fromStdin.code).toBe(0);
    expect((JSON.parse(fromStdin.stdout) as ExecutionBody).result?.data).toEqual({ user: 'yaml', token: sha('from-stdin') });

    const twice = await attune.cli(['run', 'vault.login', '--params-file', file, 'user=again']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('ERR_CLI_USAGE');
    expect(twice.stderr).toContain('"user"');
  });

  it('removes a parameters file left behind by a killed Attune when it starts again', async () => {
    const marker = path.join(home, 'hold.marker');
    const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', {
      action_ref: 'vault.hold',
      parameters: { marker, token: 'held-secret' },
    });
    expect(created.status).toBe(201);
    // The action writes the marker in place: it may be seen before its content is.
    const parametersFile = await until(() => (existsSync(marker) ? readFileSync(marker, 'utf8') : ''), (text) => text !== '', 25);
    expect(readFileSync(parametersFile, 'utf8')).toContain('held-secret');
    await attune.stop('SIGKILL');
    expect(existsSync(parametersFile)).toBe(true); // nobody was left to remove it
    try {
      await attune.start();
      expect(existsSync(parametersFile)).toBe(false);
      const execution = await attune.waitForExecution(created.body.data.id, isTerminal);
      expect(execution.status).toBe('abandoned');
    } finally {
      rmSync(path.dirname(parametersFile), { recursive: true, force: true });
    }
  });
});
