// How long a lone core.shell run takes to start, spawned from this process or taken from a warm
// spare (WarmLauncher): the time the event loop is blocked by the start, and the time from the
// start until the action's `date +%s.%N` ran (the effect a timer rule has), in a Node process made
// about as large as `attune up` (--ballast MB on top of this script's own ~45). Linux only.
//
//   node scripts/shell-start-latency.mjs [--ballast 90] [--runs 100]      (after npm run build)
import { parseArgs } from 'node:util';
/* global console, performance, process, setTimeout, Buffer */
import { commandLineLaunch, encodeCommandLine, SupervisedChild, WarmLauncher } from '../dist/process/index.js';

const { values } = parseArgs({ options: { ballast: { type: 'string', default: '90' }, runs: { type: 'string', default: '100' } }, strict: true });
const mb = Number(values.ballast);
const ballast = [];
for (let i = 0; i < mb; i++) ballast.push(Buffer.alloc(1 << 20, 1));
const env = { PATH: '/usr/bin:/bin', ATTUNE_EXEC_ID: '1', ATTUNE_ACTION: 'core.shell' };
// A ballast the size of attune up's heap: fork() costs in proportion to it.
const launch = { ...commandLineLaunch(), cwd: `${process.cwd()}/packs/core/actions`, env };
async function one(launcher) {
  let out = '';
  const t0 = performance.timeOrigin + performance.now();
  const child = new SupervisedChild({ launch, launcher, stdout: { push: (b) => (out += b) }, stderr: { push: (b) => process.stderr.write(b) } });
  const blockedMs = performance.timeOrigin + performance.now() - t0;
  child.endInput(encodeCommandLine('date +%s.%N'));
  await child.closed;
  return { blockedMs, ranMs: Number(out.trim()) * 1000 - t0 };
}
const stats = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length);
  return `p50 ${s[Math.floor(s.length / 2)].toFixed(2)} p90 ${s[Math.floor(s.length * 0.9)].toFixed(2)} max ${s[s.length - 1].toFixed(2)} stdev ${sd.toFixed(2)}`;
};
const N = Number(values.runs);
for (const mode of ['spawn', 'warm', 'spawn', 'warm']) {
  const launcher = mode === 'warm' ? new WarmLauncher() : undefined;
  const blocked = [];
  const ran = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    await new Promise((res) => setTimeout(res, 20));
    const x = await one(launcher);
    blocked.push(x.blockedMs); ran.push(x.ranMs);
  }
  const cu = process.cpuUsage(c0);
  console.log(`${mode.padEnd(5)} rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB | event loop blocked at start: ${stats(blocked)} | start → date ran: ${stats(ran)} | parent CPU/run ${((cu.user + cu.system) / 1000 / N).toFixed(2)} ms`);
  await launcher?.close();
}
