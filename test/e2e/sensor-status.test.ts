import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachAdapter } from '../support/test-adapters.js';
import { AttuneProcess, type DistributedAdapters, distributedAdapters, makeHome, runCli, until, writePack } from './harness.js';

type SensorStatus = { state: string; pid: number | null; instances: number; in_process: boolean; service: string | null; seen_at: string | null };
type SensorRow = { ref: string; status: SensorStatus };
type LogLine = { at: string; stream: string; line: string };

/** A sensor that says something on stderr every 200 ms while it runs. */
const CHATTER = `let n = 0;
setInterval(() => process.stderr.write('chatter ' + ++n + '\\n'), 200);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

/**
 * Sensor status and logs across processes (issue 8): `attune api` and `attune sensor` as separate
 * processes on one PostgreSQL database and RabbitMQ vhost. The API has no sensor service of its
 * own: it shows what the sensor service reported to the database.
 */
function sensorStatusSuite(_name: string, open: () => Promise<DistributedAdapters>): void {
  describe('sensor status and logs through an API of another process', () => {
    const processes: AttuneProcess[] = [];
    let adapters: DistributedAdapters | undefined;
    let api: AttuneProcess;
    let sensor: AttuneProcess;
    const sensorOf = async (ref: string) => (await api.api<{ data: SensorRow }>('GET', `/api/v1/sensors/${ref}`)).body.data.status;
    const logsOf = async (ref: string) => (await api.api<{ data: LogLine[] }>('GET', `/api/v1/sensors/${ref}/logs?limit=1000`)).body.data;

    beforeAll(async () => {
      adapters = await open();
      const env = { ...adapters.env, ATTUNE__SENSORS__LEASE_MS: '1500' };
      api = new AttuneProcess(makeHome(), env, ['api']);
      processes.push(api);
      writePack(path.join(api.home, 'packs', 'probe'), {
        'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
        'triggers/quiet.yaml': 'name: quiet\n',
        'sensors/chatter.yaml': 'name: chatter\nrunner_type: node\nentry_point: chatter.cjs\ntrigger_types: [probe.quiet]\n',
        'sensors/chatter.cjs': CHATTER,
      });
      expect((await runCli(['--home', api.home, 'db', 'migrate'], env)).code).toBe(0);
      await api.start();
      sensor = new AttuneProcess(makeHome(), { ...env, ATTUNE__SERVER__API_URL: api.url }, ['sensor']);
      processes.push(sensor);
      await sensor.start();
    });
    afterAll(async () => {
      for (const p of processes) await p.cleanup();
      await adapters?.cleanup();
    });

    it("shows a running timer sensor and its log lines, then stopped once its rule is disabled", async () => {
      const rule = { ref: 'examples.status_tick', trigger_ref: 'core.intervaltimer', trigger_params: { unit: 'seconds', interval: 1 }, action_ref: 'core.noop' };
      expect((await api.api('POST', '/api/v1/rules', rule)).status).toBe(201);
      const running = await until(() => sensorOf('core.interval_timer_sensor'), (s) => s.state === 'running');
      expect(running).toMatchObject({ instances: 1, in_process: true, service: expect.any(String), seen_at: expect.any(String) });
      await until(() => logsOf('core.interval_timer_sensor'), (lines) => lines.some((l) => l.line === 'started in-process'));
      const listed = await api.cli(['sensor', 'list']);
      expect([listed.code, listed.stdout]).toEqual([0, expect.stringMatching(/core\.interval_timer_sensor +running/)]);

      expect((await api.api('POST', '/api/v1/rules/examples.status_tick/disable')).status).toBe(200);
      const stopped = await until(() => sensorOf('core.interval_timer_sensor'), (s) => s.state === 'stopped');
      expect(stopped).toMatchObject({ pid: null, instances: 0 });
    });

    it("shows a child sensor's stderr lines, batched, and stopped once its sensor service is gone", async () => {
      const rule = { ref: 'probe.listen', trigger_ref: 'probe.quiet', action_ref: 'core.noop' };
      expect((await api.api('POST', '/api/v1/rules', rule)).status).toBe(201);
      const running = await until(() => sensorOf('probe.chatter'), (s) => s.state === 'running');
      expect(running.pid).toEqual(expect.any(Number));
      const lines = await until(() => logsOf('probe.chatter'), (l) => l.filter((e) => e.stream === 'stderr').length >= 5);
      expect(lines.filter((e) => e.stream === 'stderr').map((e) => e.line).slice(0, 3)).toEqual(['chatter 1', 'chatter 2', 'chatter 3']);
      const cliLogs = await api.cli(['sensor', 'logs', 'probe.chatter']);
      expect([cliLogs.code, cliLogs.stdout]).toEqual([0, expect.stringContaining('chatter 2')]);

      await sensor.stop('SIGKILL'); // no last word: the report still says running
      const gone = await until(() => sensorOf('probe.chatter'), (s) => s.state === 'stopped');
      expect([gone.pid, gone.service, gone.seen_at]).toEqual([null, running.service, expect.any(String)]);
      expect(Date.parse(gone.seen_at ?? '')).toBeGreaterThanOrEqual(Date.parse(running.seen_at ?? ''));
    });
  });
}

describeEachAdapter(
  'distributed',
  [{ name: 'postgres+rabbitmq', needs: ['TEST_PG_URL', 'TEST_AMQP_URL'], open: (env) => distributedAdapters(env.TEST_PG_URL as string, env.TEST_AMQP_URL as string) }],
  sensorStatusSuite,
);
