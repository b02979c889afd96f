#!/usr/bin/env node
// Where the CPU of shell executions goes: starts the built `attune up` on a fresh data dir, runs a
// burst of executions of one action (default 300 × core.echo), and reads /proc/<pid>/stat before and
// after, for `attune up` (utime+stime), the spawner helper (utime+stime) and the actions themselves
// (the helper's cutime+cstime: it reaps every action, and each action reaps what it starts).
// Prints CPU ms per execution for each, and wall-clock executions/s. Linux only.
// With --timer-seconds N, it instead enables a rule running the action every second and prints the
// RSS of the whole process tree after N seconds (the idle figure of issue 11: target ≤ 100 MB).
//
//   node scripts/shell-cpu.mjs [--action core.echo] [--count 300] [--concurrency 16] [--params '{"message":"hi"}']
//   node scripts/shell-cpu.mjs --timer-seconds 15
// With --jitter and --timer-seconds N, the rule runs core.shell `date +%s.%N >> <file>` every second
// (the peers harness's timer phase) and it prints the stdev and max deviation of the intervals.
// With --webhook, the executions come from `POST /api/v1/webhooks/<url>?wait=30` instead (a rule
// running core.shell `echo <n>`, as the bench's webhook group), each loop sending its next request
// when the answer came (--action core.noop: that action instead, to see the pipeline without a
// process); --cpu-prof <dir> runs `attune up` under `node --cpu-prof`.
/* global console, fetch, performance, process, setTimeout */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    action: { type: 'string' },
    count: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    params: { type: 'string' },
    'timer-seconds': { type: 'string', default: '0' },
    webhook: { type: 'boolean', default: false },
    jitter: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    dist: { type: 'string' },
  },
});
const DEFAULT_PARAMS = { 'core.echo': { message: 'hello' }, 'core.shell': { cmd: 'echo hello' } };
// The webhook mode runs core.shell `echo <n>` (the bench's webhook group) unless --action names
// another action (e.g. core.noop, to see the pipeline's cost without a process).
const action = values.action ?? (values.webhook ? 'core.shell' : 'core.echo');
const parameters = values.params ? JSON.parse(values.params) : (DEFAULT_PARAMS[action] ?? {});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const TICKS = 100; // USER_HZ: clock ticks per second in /proc/<pid>/stat on Linux
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** utime, stime, cutime, cstime of a process, in ms. */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map((t) => (Number(t) * 1000) / TICKS);
  return { self: utime + stime, children: cutime + cstime };
}

function childrenOf(pid) {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const home = mkdtempSync(path.join(os.tmpdir(), 'attune-shell-cpu-'));
// A tool outside Attune that starts it, as the benchmark does: it passes its own environment on.
// eslint-disable-next-line no-restricted-syntax
const env = { ...process.env, ATTUNE__SERVER__PORT: '0' };
delete env.ATTUNE_HOME;
// --dist: another build to compare with (a copy of dist/ made from another commit).
const bin = path.join(values.dist ?? path.join(root, 'dist'), 'cli', 'bin.js');
const profDir = values['cpu-prof'];
const [command, args] = profDir ? [process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, bin]] : [bin, []];
const child = spawn(command, [...args, 'up', '--home', home], { env, stdio: ['ignore', 'ignore', 'inherit'] });
process.on('exit', () => {
  child.kill('SIGTERM');
  if (!profDir) rmSync(home, { recursive: true, force: true });
});

let api;
for (let i = 0; i < 600 && api === undefined; i++) {
  await sleep(50);
  if (existsSync(path.join(home, 'api.json')) && existsSync(path.join(home, 'cli-token'))) {
    try {
      api = JSON.parse(readFileSync(path.join(home, 'api.json'), 'utf8'));
    } catch {
      // half-written: read again
    }
  }
}
if (api === undefined) throw new Error('attune up did not write api.json');
const token = readFileSync(path.join(home, 'cli-token'), 'utf8').trim();
async function call(method, url, body) {
  const res = await fetch(`${api.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status >= 300) throw new Error(`${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}
for (let i = 0; i < 100; i++) {
  try {
    await call('GET', '/api/v1/health');
    break;
  } catch {
    await sleep(50);
  }
}
const total = async (status) => (await call('GET', `/api/v1/executions?status=${status}&limit=1`)).pagination.total;

/** Submits `n` executions, at most `concurrency` unfinished at once, and waits until all are terminal. */
async function burst(n) {
  const before = (await total('completed')) + (await total('failed'));
  let submitted = 0;
  for (;;) {
    const done = (await total('completed')) + (await total('failed')) - before;
    if (done >= n) return done;
    while (submitted < n && submitted - done < concurrency) {
      await call('POST', '/api/v1/executions', { action_ref: action, parameters });
      submitted++;
    }
    await sleep(20);
  }
}

/** `n` `?wait` webhook requests, `concurrency` loops each sending its next when its answer came. */
async function webhookBurst(n) {
  let next = 0;
  let failed = 0;
  const loop = async () => {
    for (let i = next++; i < n; i = next++) {
      const answer = await call('POST', '/api/v1/webhooks/shell-cpu?wait=30', { n: i });
      const execution = answer.data.executions?.[0];
      const ok = webhookShell ? execution?.result?.stdout === `${i}\n` : execution?.status === 'completed';
      if (!ok) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  if (failed > 0) throw new Error(`${failed} webhook answers without their output`);
  return n;
}
const run = values.webhook ? webhookBurst : burst;
const webhookShell = values.webhook && values.action === undefined;
if (values.webhook) {
  await call('POST', '/api/v1/rules', {
    ref: 'examples.shell_cpu_webhook',
    trigger_ref: 'core.webhook',
    trigger_params: { url: 'shell-cpu' },
    action_ref: action,
    action_params: webhookShell ? { cmd: 'echo {{ event.payload.body.n }}' } : parameters,
    enabled: true,
  });
}

/** Pids of `pid` and all its descendants. */
const treeOf = (pid) => [pid, ...childrenOf(pid).flatMap(treeOf)];
const rssMb = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;

const timerSeconds = Number(values['timer-seconds']);
if (timerSeconds > 0 && values.jitter) {
  const file = path.join(home, 'ticks.txt');
  await call('POST', '/api/v1/rules', {
    ref: 'examples.shell_cpu_jitter',
    trigger_ref: 'core.intervaltimer',
    trigger_params: { interval: 1 },
    action_ref: 'core.shell',
    action_params: { cmd: `date +%s.%N >> ${file}` },
    enabled: true,
  });
  await sleep(timerSeconds * 1000 + 500);
  const ticks = readFileSync(file, 'utf8').trim().split('\n').map(Number).slice(1); // the first run may find things cold
  const intervals = ticks.slice(1).map((t, i) => (t - ticks[i]) * 1000);
  const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
  const stdev = Math.sqrt(intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / intervals.length);
  const maxDev = Math.max(...intervals.map((x) => Math.abs(x - 1000)));
  const r2 = (x) => Number(x.toFixed(2));
  // Where each run's delay after its instant arose (ms, server clock, ms precision), run by run in order.
  const executions = (await call('GET', '/api/v1/executions?rule_ref=examples.shell_cpu_jitter&limit=200')).data.sort((a, b) => a.id - b.id);
  const events = new Map((await call('GET', '/api/v1/events?rule_ref=examples.shell_cpu_jitter&limit=200')).data.map((e) => [e.id, e]));
  const all = readFileSync(file, 'utf8').trim().split('\n').map(Number);
  const steps = { fired: [], stored: [], started: [], ran: [] };
  executions.forEach((execution, i) => {
    const event = events.get(execution.event_id);
    if (!event || all[i] === undefined) return;
    const scheduled = Date.parse(event.payload.scheduled_at);
    steps.fired.push(Date.parse(event.payload.fired_at) - scheduled);
    steps.stored.push(Date.parse(event.created) - scheduled);
    steps.started.push(Date.parse(execution.started_at) - scheduled);
    steps.ran.push(all[i] * 1000 - scheduled);
  });
  const summary = (xs) => {
    const sorted = xs.slice(1).sort((a, b) => a - b);
    return { p50: r2(sorted[Math.floor(sorted.length / 2)]), max: r2(sorted[sorted.length - 1]) };
  };
  const after_instant_ms = Object.fromEntries(Object.entries(steps).map(([step, xs]) => [step, summary(xs)]));
  const label = values.dist ?? 'dist';
  console.log(JSON.stringify({ dist: label, action: 'core.shell date (1 s timer)', intervals: intervals.length, stdev_interval_ms: r2(stdev), max_dev_ms: r2(maxDev), mean_interval_ms: r2(mean), after_instant_ms }));
  process.exit(0);
}
if (timerSeconds > 0) {
  await call('POST', '/api/v1/rules', {
    ref: 'examples.shell_cpu_tick',
    trigger_ref: 'core.intervaltimer',
    trigger_params: { interval: 1 },
    action_ref: action,
    action_params: parameters,
    enabled: true,
  });
  await sleep(timerSeconds * 1000);
  const tree = treeOf(api.pid).map((pid) => ({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3).join(' ').slice(-60), rss_mb: Math.round(rssMb(pid)) }));
  const ran = await total('completed');
  console.log(JSON.stringify({ action, timer_seconds: timerSeconds, completed: ran, tree_rss_mb: Math.round(tree.reduce((sum, p) => sum + p.rss_mb, 0)), tree }));
  process.exit(0);
}

await run(20); // warm-up: starts the spawner helper, JIT-compiles the hot path
const helpers = childrenOf(api.pid).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spawner'));
const helper = helpers[0];
const mainBefore = cpuOf(api.pid);
const helperBefore = helper === undefined ? undefined : cpuOf(helper);
const selfBefore = process.cpuUsage();
const startedAt = performance.now();
await run(count);
const seconds = (performance.now() - startedAt) / 1000;
const mainAfter = cpuOf(api.pid);
const helperAfter = helper === undefined ? undefined : cpuOf(helper);
const self = process.cpuUsage(selfBefore);
const failed = await total('failed');

const per = (ms) => Number((ms / count).toFixed(2));
// Without a helper, actions are children of attune up itself: their CPU is its cutime+cstime.
const actionsMs = helper === undefined ? mainAfter.children - mainBefore.children : helperAfter.children - helperBefore.children;
const report = {
  action: values.webhook ? `${webhookShell ? 'core.shell echo' : action} (webhook ?wait)` : action,
  count,
  concurrency,
  failed,
  per_second: Number((count / seconds).toFixed(1)),
  cpu_ms_per_execution: {
    attune_up: per(mainAfter.self - mainBefore.self),
    spawner_helper: helper === undefined ? null : per(helperAfter.self - helperBefore.self),
    action: per(actionsMs),
    client: per((self.user + self.system) / 1000),
  },
  spawner_rss_mb: helper === undefined ? null : Math.round(rssMb(helper)),
};
console.log(JSON.stringify(report));
process.exit(0);
