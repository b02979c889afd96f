import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, makeHome, writePack } from './harness.js';

const PACK_SECRET = 'pack-config-secret-4711';
const PACK_RULE_SECRET = 'pack-rule-literal-0815';

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

describe('secrets through attune up', () => {
  const home = makeHome();
  writeVaultPack(home);
  const attune = new AttuneProcess(home);
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

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
});
