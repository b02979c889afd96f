import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, describeEmbeddedOnly, isTerminal, until, writePack } from './harness.js';

/** Every secret the run handles: none may be found anywhere afterwards. */
const KEY_SECRET = 'keystore-secret-31337';
const HOOK_SECRET = 'webhook-hmac-secret-1618';
const PARAM_SECRET = 'secret-parameter-2236';
const SECRETS = [KEY_SECRET, HOOK_SECRET, PARAM_SECRET];
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Prints a hash of its token, so the test checks the value without it being stored in clear. */
const PROBE_JS =
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);' +
  'console.log(JSON.stringify({token:require("crypto").createHash("sha256").update(String(p.token)).digest("hex")}))});\n';
/** Holds its token while the test reads the process list; ends when the release file appears. */
const HOLD_JS =
  'const fs=require("fs");let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);' +
  'fs.writeFileSync(p.marker,"held");const t=setInterval(()=>{if(fs.existsSync(p.marker+".release")){clearInterval(t)}},50)});\n';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describeEmbeddedOnly('greps the SQLite file, its WAL and the one log of one data dir', 'no secret in clear anywhere after keys, secret parameters, keyed templates and webhooks', () => {
  const attune = new AttuneProcess();
  const home = attune.home;
  /** The raw text of every API response and CLI output of the run. */
  const seen: string[] = [];

  writePack(path.join(home, 'packs', 'grep'), {
    'pack.yaml': 'ref: grep\nversion: 0.1.0\n',
    'actions/probe.js': PROBE_JS,
    // `token` is no secret to the action: only the key in the rule's template makes it one.
    'actions/probe.yaml': 'name: probe\nrunner_type: node\nentry_point: probe.js\noutput_format: json\nparameters:\n  token: {type: string}\n',
    'actions/login.js': PROBE_JS,
    'actions/login.yaml': 'name: login\nrunner_type: node\nentry_point: login.js\noutput_format: json\nparameters:\n  token: {type: string, secret: true}\n',
    'actions/hold.js': HOLD_JS,
    'actions/hold.yaml': 'name: hold\nrunner_type: node\nentry_point: hold.js\nparameters:\n  marker: {type: string}\n  token: {type: string}\n',
  });

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${attune.url}${route}`, {
      method,
      headers: { ...attune.authHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    seen.push(text);
    expect(response.status, `${method} ${route}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : null) as T;
  };
  const cli = async (args: string[], input?: string) => {
    const result = await attune.cli(args, {}, input);
    seen.push(result.stdout, result.stderr);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };
  const hook = async (name: string, body: unknown, query = '') => {
    const text = JSON.stringify(body);
    const response = await fetch(`${attune.url}/api/v1/webhooks/${name}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', HOOK_SECRET).update(text).digest('hex')}` },
      body: text,
    });
    const answer = await response.text();
    seen.push(answer);
    expect(response.status, answer).toBeLessThan(300);
    return JSON.parse(answer) as { data: { events: number[]; executions?: ExecutionBody[] } };
  };

  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  it('runs everything that handles the secrets, and each still reaches its action', async () => {
    await cli(['key', 'set', 'api_token', '--value-stdin'], `${KEY_SECRET}\n`);
    await api('PUT', '/api/v1/keys/hook_secret?scope=pack&owner=grep', { value: HOOK_SECRET });
    const rule = (name: string, action: string, params: Record<string, unknown>) =>
      api('POST', '/api/v1/rules', { ref: `grep.${name}`, trigger_ref: 'core.webhook', trigger_params: { url: name, secret_key: 'hook_secret' }, action_ref: action, action_params: params });
    await rule('keyed', 'grep.probe', { token: '{{ keystore.api_token }}' });
    await rule('mixed', 'grep.probe', { token: 'Bearer {{ keystore.api_token }}' });
    await rule('held', 'grep.hold', { marker: '{{ event.payload.body.marker }}', token: '{{ keystore.api_token }}' });

    const keyed = await hook('keyed', { n: 1 }, '?wait=20');
    expect(keyed.data.executions?.[0]?.result?.data).toEqual({ token: sha(KEY_SECRET) });
    const mixed = await hook('mixed', { n: 2 }, '?wait=20');
    expect(mixed.data.executions?.[0]?.result?.data).toEqual({ token: sha(`Bearer ${KEY_SECRET}`) });

    const run = await api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'grep.login', parameters: { token: PARAM_SECRET } });
    const done = await attune.waitForExecution(run.data.id, isTerminal);
    expect(done.result?.data).toEqual({ token: sha(PARAM_SECRET) });

    // While an action holds a key's value, the process list must not show it.
    const marker = path.join(home, 'held.marker');
    const held = await hook('held', { marker });
    await until(() => existsSync(marker), Boolean, 25);
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(processes).toContain('hold.js');
    for (const secret of SECRETS) expect(processes).not.toContain(secret);
    writeFileSync(`${marker}.release`, '');
    const [heldExecution] = await until(() => api<{ data: ExecutionBody[] }>('GET', `/api/v1/executions?rule_ref=grep.held`).then((r) => r.data), (d) => d.length === 1 && d.every(isTerminal), 25);
    expect({ status: heldExecution?.status, events: held.data.events.length }).toEqual({ status: 'completed', events: 1 });
  });

  it('shows every execution, rule, event and key masked in the API and the CLI', async () => {
    const executions = await api<{ data: ExecutionBody[] }>('GET', '/api/v1/executions?limit=100');
    for (const { id } of executions.data) await api('GET', `/api/v1/executions/${id}`);
    const shown = await api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${executions.data.find((e) => e.action_ref === 'grep.probe')?.id}`);
    expect(shown.data.parameters.token).toBe('********');
    await api('GET', '/api/v1/rules?limit=100');
    const events = await api<{ data: { id: number }[] }>('GET', '/api/v1/events?limit=100');
    for (const { id } of events.data) await api('GET', `/api/v1/events/${id}`);
    await api('GET', '/api/v1/enforcements?limit=100');
    await api('GET', '/api/v1/keys');
    await api('GET', '/api/v1/keys/api_token');
    await cli(['execution', 'list', '-o', 'json']);
    await cli(['execution', 'show', String(shown.data.id), '-o', 'json']);
    await cli(['key', 'list']);
    await cli(['key', 'get', 'api_token', '-o', 'yaml']);
    await cli(['rule', 'show', 'grep.keyed', '-o', 'json']);
  });

  it('finds no secret in the database, its WAL, the logs, any response or output', async () => {
    const onDisk = () => [path.join(home, 'attune.db'), path.join(home, 'attune.db-wal'), ...filesUnder(path.join(home, 'logs'))].filter((file) => existsSync(file));
    const check = (where: string, bytes: Buffer) => {
      for (const secret of SECRETS) expect(bytes.includes(secret), `${secret} in ${where}`).toBe(false);
    };
    const running = onDisk();
    expect(running.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['attune.db', 'attune.db-wal', 'attune.log']));
    for (const file of running) check(file, readFileSync(file));
    for (const [i, text] of seen.entries()) check(`response ${i}`, Buffer.from(text));
    check('attune up output', Buffer.from(attune.output));
    expect(seen.length).toBeGreaterThan(20);
    await attune.stop(); // a clean stop checkpoints the WAL into the database file: read both again
    for (const file of onDisk()) check(`${file} (stopped)`, readFileSync(file));
  });
});
