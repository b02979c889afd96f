import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, MAX_JSON_DEPTH, type ValidationIssue } from '../domain/index.js';
import { loadPack } from './index.js';

const PACK_YAML = 'ref: demo\nversion: 0.1.0\n';
const ECHO_ACTION = ['name: hello', 'runner_type: shell', 'entry_point: hello.sh', ''].join('\n');

let dirs: string[] = [];

async function writePack(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'attune-pack-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

async function issuesOf(dir: string): Promise<readonly ValidationIssue[]> {
  const error = await loadPack(dir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('ERR_PACK_INVALID');
  return (error as AppError).details as ValidationIssue[];
}

afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

describe('loadPack', () => {
  it('loads a valid pack and applies defaults', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/hello.yaml': `${ECHO_ACTION}parameters:\n  who:\n    type: string\n    default: world\n`,
      'actions/hello.sh': 'echo hello\n',
      'triggers/ping.yml': 'ref: demo.ping\ndescription: A ping.\n',
      'sensors/watch.yaml': 'name: watch\nrunner_type: node\nentry_point: watch.js\ntrigger_types: [demo.ping]\n',
      'sensors/watch.js': '',
      'rules/on_ping.yaml': 'name: on_ping\ntrigger_ref: demo.ping\naction_ref: demo.hello\nconditions: event.payload.x > 1\n',
    });
    const pack = await loadPack(dir);
    expect(pack.path).toBe(dir);
    expect(pack.meta).toEqual({ ref: 'demo', label: 'demo', description: '', version: '0.1.0', author: '', confSchema: {}, config: {} });
    expect(pack.actions).toEqual([
      {
        ref: 'demo.hello', name: 'hello', label: 'hello', description: '', runnerType: 'shell', entryPoint: 'hello.sh',
        parameters: { who: { type: 'string', default: 'world' } }, output: {}, parameterDelivery: 'stdin',
        parameterFormat: 'json', outputFormat: 'text', timeoutSeconds: 600, maxRetries: 0, apiAccess: false, permissionSet: null, workflow: null,
        file: 'actions/hello.yaml',
      },
    ]);
    expect(pack.triggers[0]).toMatchObject({ ref: 'demo.ping', name: 'ping', label: 'ping', description: 'A ping.', file: 'triggers/ping.yml' });
    expect(pack.sensors[0]).toMatchObject({ ref: 'demo.watch', enabled: true, triggerTypes: ['demo.ping'], parameters: {} });
    expect(pack.rules[0]).toMatchObject({
      ref: 'demo.on_ping', conditions: ['event.payload.x > 1'], enabled: true, triggerParams: {}, actionParams: {},
    });
    expect(Object.isFrozen(pack.actions[0])).toBe(true);
  });

  it('loads the core pack without issues', async () => {
    const pack = await loadPack(path.resolve('packs/core'));
    expect(pack.meta).toMatchObject({ ref: 'core', version: '1.0.0', author: 'Attune' });
    expect(pack.actions.map((action) => action.ref)).toEqual(['core.ask', 'core.echo', 'core.http_request', 'core.noop', 'core.shell', 'core.sleep']);
    for (const action of pack.actions) {
      expect(action.description).not.toBe('');
      for (const spec of Object.values(action.parameters)) expect(spec.description).toBeTruthy();
    }
    expect(pack.actions.find((action) => action.ref === 'core.echo')?.parameterFormat).toBe('dotenv');
  });

  it('reports a YAML syntax error with file, line and column', async () => {
    const dir = await writePack({ 'pack.yaml': PACK_YAML, 'actions/bad.yaml': 'name: bad\nparameters: [1, 2\nrunner_type: shell\n' });
    const issues = await issuesOf(dir);
    expect(issues[0]).toMatchObject({ file: 'actions/bad.yaml', line: 3, column: 1 });
    expect(issues[0]?.message).toMatch(/^invalid YAML: /);
  });

  it('reports a wrong type at its line with the field name', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/hello.yaml': `${ECHO_ACTION}timeout_seconds: "ten"\n`,
      'actions/hello.sh': '',
    });
    const issues = await issuesOf(dir);
    expect(issues).toEqual([
      { file: 'actions/hello.yaml', line: 4, column: 18, field: 'timeout_seconds', message: 'must be an integer' },
    ]);
  });

  it('reports an unknown key at the key, suggesting the known one', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/hello.yaml': `${ECHO_ACTION}parameters:\n  who:\n    type: string\n    requird: true\n`,
      'actions/hello.sh': '',
    });
    const issues = await issuesOf(dir);
    expect(issues).toEqual([
      {
        file: 'actions/hello.yaml', line: 7, column: 5, field: 'parameters.who.requird',
        message: 'is not a known field (did you mean "required"?)',
      },
    ]);
  });

  it('reports a missing required field at the enclosing mapping', async () => {
    const dir = await writePack({ 'pack.yaml': PACK_YAML, 'rules/r.yaml': '# a rule\nname: r\ntrigger_ref: core.webhook\n' });
    const issues = await issuesOf(dir);
    expect(issues).toEqual([{ file: 'rules/r.yaml', line: 2, column: 1, field: 'action_ref', message: 'is required' }]);
  });

  it('reports a default that does not satisfy its own parameter spec', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/hello.yaml': `${ECHO_ACTION}parameters:\n  count:\n    type: integer\n    maximum: 5\n    default: 9\n  mode:\n    type: string\n    enum: [a, b]\n    default: c\n`,
      'actions/hello.sh': '',
    });
    const issues = await issuesOf(dir);
    expect(issues.map((issue) => [issue.field, issue.line, issue.message])).toEqual([
      ['parameters.count.default', 8, 'must be <= 5'],
      ['parameters.mode.default', 12, 'must be one of "a", "b"'],
    ]);
  });

  it('reports every problem across files at once', async () => {
    const dir = await writePack({
      'pack.yaml': 'ref: demo\nversion: one\n',
      'actions/a.yaml': 'name: a\nrunner_type: perl\nentry_point: a.pl\n',
      'rules/b.yaml': 'ref: other.b\ntrigger_ref: nodot\naction_ref: demo.a\n',
    });
    const error = await loadPack(dir).catch((thrown: unknown) => thrown);
    const issues = (error as AppError).details as ValidationIssue[];
    expect(issues.map((issue) => `${issue.file}:${issue.line}:${issue.field}`)).toEqual([
      'pack.yaml:2:version',
      'actions/a.yaml:2:runner_type',
      'rules/b.yaml:1:ref',
      'rules/b.yaml:2:trigger_ref',
    ]);
    expect((error as AppError).message).toBe('pack.yaml:2:10: version: must be a semantic version such as 1.0.0 (and 3 more)');
  });

  it('reports a missing entry point and one that leaves the folder', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/hello.yaml': ECHO_ACTION,
      'actions/up.yaml': 'name: up\nrunner_type: shell\nentry_point: ../pack.yaml\n',
      'sensors/s.yaml': 'name: s\nrunner_type: python\nentry_point: s.py\ntrigger_types: [core.webhook]\n',
    });
    const issues = await issuesOf(dir);
    expect(issues).toEqual([
      { file: 'actions/hello.yaml', line: 3, column: 14, field: 'entry_point', message: 'actions/hello.sh does not exist' },
      { file: 'actions/up.yaml', line: 3, column: 14, field: 'entry_point', message: 'must name a file inside actions/ (found "../pack.yaml")' },
      { file: 'sensors/s.yaml', line: 3, column: 14, field: 'entry_point', message: 'sensors/s.py does not exist' },
    ]);
  });

  it('loads a shell-cmd action, which has no entry point: its program is its cmd parameter', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/run.yaml': 'name: run\nrunner_type: shell-cmd\nparameters:\n  cmd: {type: string, default: uptime}\n  cwd: {type: string}\n',
    });
    const pack = await loadPack(dir);
    expect(pack.actions[0]).toMatchObject({ ref: 'demo.run', runnerType: 'shell-cmd', entryPoint: '' });
  });

  it('reports a shell-cmd action without a string cmd it cannot run without, with an entry point, or a sensor of that runner', async () => {
    const shellCmd = (parameters: string) => `name: x\nrunner_type: shell-cmd\n${parameters}`;
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/none.yaml': shellCmd(''),
      'actions/other.yaml': shellCmd('parameters:\n  command: {type: string, required: true}\n').replace('name: x', 'name: other'),
      'actions/number.yaml': shellCmd('parameters:\n  cmd: {type: integer, required: true}\n').replace('name: x', 'name: number'),
      'actions/optional.yaml': shellCmd('parameters:\n  cmd: {type: string}\n  cwd: {type: array}\n').replace('name: x', 'name: optional'),
      'actions/file.yaml': shellCmd('entry_point: run.sh\nparameters:\n  cmd: {type: string, required: true}\n').replace('name: x', 'name: file'),
      'actions/run.sh': '',
      'sensors/s.yaml': 'name: s\nrunner_type: shell-cmd\nentry_point: s.sh\ntrigger_types: [core.webhook]\n',
    });
    const issues = await issuesOf(dir);
    const shellCmdRule = 'a shell-cmd action runs its parameter cmd as its command line';
    expect(issues.map((issue) => [issue.file, issue.line, issue.field, issue.message])).toEqual([
      ['actions/file.yaml', 3, 'entry_point', `is not allowed: ${shellCmdRule}, not a file`],
      ['actions/none.yaml', 1, 'parameters.cmd', `is required: ${shellCmdRule} (declare it with type: string, required: true)`],
      ['actions/number.yaml', 4, 'parameters.cmd.type', `must be string: ${shellCmdRule}`],
      ['actions/optional.yaml', 4, 'parameters.cmd.required', `must be true (or cmd given a default): ${shellCmdRule}`],
      ['actions/optional.yaml', 5, 'parameters.cwd.type', 'must be string: a shell-cmd action runs in the directory cwd names'],
      ['actions/other.yaml', 3, 'parameters.cmd', `is required: ${shellCmdRule} (declare it with type: string, required: true)`],
      ['sensors/s.yaml', 2, 'runner_type', expect.stringContaining('must be one of') as unknown],
    ]);
  });

  it('reports duplicate refs, mismatched pack prefixes and unknown local refs', async () => {
    const dir = await writePack({
      'pack.yaml': PACK_YAML,
      'actions/a.yaml': 'name: same\nrunner_type: builtin\nentry_point: noop\n',
      'actions/b.yaml': 'ref: demo.same\nrunner_type: builtin\nentry_point: noop\n',
      'rules/r.yaml': 'name: r\ntrigger_ref: core.webhook\naction_ref: demo.missing\n',
    });
    const issues = await issuesOf(dir);
    expect(issues).toEqual([
      { file: 'actions/b.yaml', line: 1, column: 6, field: 'ref', message: 'duplicate ref "demo.same": actions/a.yaml defines it too' },
      { file: 'rules/r.yaml', line: 3, column: 13, field: 'action_ref', message: 'no action "demo.missing" is defined in this pack' },
    ]);
  });

  it('reports a permission_set naming no existing set, and keeps one that exists', async () => {
    const files = {
      'pack.yaml': PACK_YAML,
      'actions/a.yaml': 'name: a\nrunner_type: builtin\nentry_point: noop\napi_access: true\npermission_set: nosuch\n',
      'rules/r.yaml': 'name: r\ntrigger_ref: core.webhook\naction_ref: demo.a\npermission_set: viewr\n',
    };
    const known = { triggers: new Map([['core.webhook', {}]]), actions: new Set<string>(), permissionSets: new Set(['viewer', 'nosuch']) };
    const error = await loadPack(await writePack(files), { known: { ...known, permissionSets: new Set(['viewer']) } }).catch((thrown: unknown) => thrown);
    expect((error as AppError).code).toBe('ERR_PACK_INVALID');
    expect((error as AppError).details).toEqual([
      { file: 'actions/a.yaml', line: 5, column: 17, field: 'permission_set', message: 'no permission set "nosuch" exists' },
      { file: 'rules/r.yaml', line: 4, column: 17, field: 'permission_set', message: 'no permission set "viewr" exists' },
    ]);
    const fixed = await loadPack(await writePack({ ...files, 'rules/r.yaml': files['rules/r.yaml'].replace('viewr', 'viewer') }), { known });
    expect(fixed.actions[0]).toMatchObject({ apiAccess: true, permissionSet: 'nosuch' });
    expect(fixed.rules[0]).toMatchObject({ permissionSet: 'viewer' });
  });

  it('validates pack config against conf_schema and applies its defaults', async () => {
    const good = await writePack({
      'pack.yaml': `${PACK_YAML}conf_schema:\n  region:\n    type: string\n    default: eu\n  retries:\n    type: integer\nconfig:\n  retries: 2\n`,
    });
    expect((await loadPack(good)).meta.config).toEqual({ region: 'eu', retries: 2 });
    const bad = await writePack({ 'pack.yaml': `${PACK_YAML}conf_schema:\n  retries:\n    type: integer\nconfig:\n  retries: many\n` });
    expect(await issuesOf(bad)).toEqual([{ file: 'pack.yaml', line: 7, column: 12, field: 'config.retries', message: 'must be integer' }]);
  });

  it('reports a value nested deeper than the JSON limit once, located at its top-level key', async () => {
    const flow = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const dir = await writePack({
      'pack.yaml': `${PACK_YAML}config:\n  tree: ${flow(MAX_JSON_DEPTH)}\n`,
      'rules/deep.yaml': `name: deep\ntrigger_ref: core.webhook\naction_ref: core.noop\naction_params:\n  p: ${flow(5000)}\n`,
    });
    expect(await issuesOf(dir)).toEqual([
      { file: 'pack.yaml', line: 4, column: 3, field: 'config', message: 'nests deeper than 128 levels' },
      // Too deep for the YAML parser itself: located where its stack ran out, on that line.
      expect.objectContaining({ file: 'rules/deep.yaml', line: 5, message: 'nests deeper than 128 levels' }),
    ]);
    // 400 levels of block mappings: deeper than the limit, within packs.max_file_bytes.
    const block = Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    const blockDir = await writePack({ 'pack.yaml': `${PACK_YAML}config:\n${block.replace(/^/gm, '  ')} 1\n` });
    expect(await issuesOf(blockDir)).toEqual([expect.objectContaining({ file: 'pack.yaml', message: 'nests deeper than 128 levels' })]);
  });

  it('reports a number JSON cannot store instead of saving it as null', async () => {
    const dir = await writePack({ 'pack.yaml': `${PACK_YAML}config:\n  big: 1e400\n  odd: .nan\n` });
    expect(await issuesOf(dir)).toEqual([
      { file: 'pack.yaml', line: 4, column: 8, field: 'config.big', message: 'is not a finite number (JSON cannot store it)' },
    ]);
  });

  it('throws ERR_PACK_PATH_NOT_FOUND for a missing directory or pack.yaml', async () => {
    const empty = await writePack({ 'actions/a.yaml': '' });
    await expect(loadPack(empty)).rejects.toMatchObject({ code: 'ERR_PACK_PATH_NOT_FOUND' });
    await expect(loadPack(path.join(empty, 'nope'))).rejects.toMatchObject({ code: 'ERR_PACK_PATH_NOT_FOUND' });
  });
});
