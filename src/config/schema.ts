import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RUNNER_TYPES } from '../domain/index.js';

/** The one typed configuration (DESIGN §8). Keys mirror attune.yaml and ATTUNE__SECTION__KEY. */
export const ConfigSchema = Type.Object(
  {
    home: Type.String({ description: 'The data dir: SQLite file, packs, logs, secrets.' }),
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        body_limit_bytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        allowed_hosts: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Host names the API answers to besides loopback names and server.host; "*" allows any (no DNS-rebinding check).',
        }),
        cors_origins: Type.Array(Type.String({ pattern: '^https?://' }), {
          default: [],
          description: 'Browser origins allowed to call the API, e.g. https://ops.example.com; none by default.',
        }),
        tls: Type.Object(
          {
            cert: Type.String({ default: '', description: 'PEM certificate file: the API serves HTTPS when cert and key are set.' }),
            key: Type.String({ default: '', description: 'PEM private key file.' }),
          },
          { additionalProperties: false, default: {} },
        ),
        insecure_ok: Type.Boolean({ default: false, description: 'Listening on a non-loopback address without TLS is deliberate: no warning.' }),
        api_url: Type.String({
          default: 'http://127.0.0.1:8080',
          description: 'A process without the API (attune worker, attune sensor): the API its actions and sensors call (ATTUNE_API_URL).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    auth: Type.Object(
      {
        access_token_ttl_seconds: Type.Integer({ minimum: 60, maximum: 86_400, default: 3600 }),
        refresh_token_ttl_seconds: Type.Integer({ minimum: 300, default: 604_800 }),
        sensor_token_ttl_seconds: Type.Integer({ minimum: 300, default: 86_400 }),
        login_max_failures: Type.Integer({ minimum: 1, default: 5, description: 'Failed logins per login (and ×4 per address) within login_window_seconds before 429.' }),
        login_window_seconds: Type.Integer({ minimum: 1, default: 300 }),
      },
      { additionalProperties: false, default: {} },
    ),
    database: Type.Object(
      {
        url: Type.String({ default: '', description: 'Empty: <home>/attune.db. sqlite:<path>, or postgres://… (postgresql://…) for PostgreSQL.' }),
        pool_size: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'PostgreSQL: connections this process keeps at most.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    bus: Type.Object(
      {
        url: Type.String({ default: 'memory:', description: 'memory: for the in-process bus, amqp://… (amqps://…) for RabbitMQ.' }),
        max_attempts: Type.Integer({ minimum: 1, default: 5, description: 'Deliveries of a message whose handler fails before it is dead-lettered.' }),
        retry_delay_ms: Type.Integer({ minimum: 1, default: 100, description: 'Delay before a failed message is delivered again; doubles per attempt.' }),
        prefetch: Type.Integer({ minimum: 1, maximum: 10_000, default: 1, description: 'RabbitMQ: unacknowledged messages a consumer that names no prefetch of its own may hold.' }),
        publish_timeout_ms: Type.Integer({
          minimum: 100,
          default: 30_000,
          description: 'RabbitMQ: how long a publish (and the first connection) waits for the broker before ERR_BUS_UNAVAILABLE.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    worker: Type.Object(
      {
        id: Type.String({ default: '' }),
        concurrency: Type.Integer({ minimum: 1, default: 16 }),
        max_output_bytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        kill_grace_ms: Type.Integer({ minimum: 0, default: 2000 }),
        heartbeat_ms: Type.Integer({ minimum: 100, default: 5000, description: 'How often a worker records that it is alive (the workers table).' }),
        heartbeat_timeout_ms: Type.Integer({
          minimum: 300,
          default: 30_000,
          description: 'A worker silent this long is dead: an executor abandons (or retries) the executions it was running.',
        }),
        runtimes: Type.Array(Type.Union(RUNNER_TYPES.map((runtime) => Type.Literal(runtime))), {
          default: [],
          uniqueItems: true,
          description: 'The runtimes this worker offers; empty: every one it can run here. A runtime whose interpreter is missing (bash, /bin/sh, python3) is never offered.',
        }),
        retention_ms: Type.Integer({
          minimum: 60_000,
          default: 86_400_000,
          description: 'How long the row of a dead or stopped worker stays in the workers table (attune worker list) before an executor removes it.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    executor: Type.Object(
      {
        redrive_after_ms: Type.Integer({ minimum: 100, default: 10_000 }),
        supervisor_interval_ms: Type.Integer({ minimum: 100, default: 5_000 }),
        /** How often workflows' delayed starts and retries due in the database are looked for. */
        workflow_tick_ms: Type.Integer({ minimum: 10, default: 200 }),
      },
      { additionalProperties: false, default: {} },
    ),
    rules: Type.Object(
      {
        cost_limit: Type.Integer({
          minimum: 1000,
          default: 1_000_000,
          description: 'CEL cost units one rule may spend on one event (conditions and templates together); beyond it the rule fails for that event.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    sensors: Type.Object(
      {
        restart_base_ms: Type.Integer({ minimum: 10, default: 5000, description: 'First restart delay of a crashed sensor; doubles per failure.' }),
        restart_max_ms: Type.Integer({ minimum: 10, default: 300_000 }),
        alert_after_failures: Type.Integer({ minimum: 1, default: 3, description: 'Consecutive failures that raise a core.alert event.' }),
        kill_grace_ms: Type.Integer({ minimum: 0, default: 2000 }),
        log_max_bytes: Type.Integer({ minimum: 4096, default: 1_048_576, description: "Size at which a sensor's log file is rotated." }),
        log_max_files: Type.Integer({ minimum: 0, maximum: 100, default: 2, description: "Rotated files kept per sensor log." }),
        timer_in_process: Type.Boolean({
          default: true,
          description: 'Run the core timer sensor inside Attune (no process of its own); false runs it as a child process like any sensor.',
        }),
        lease_ms: Type.Integer({
          minimum: 300,
          default: 10_000,
          description: 'Distributed mode: how long the sensor leader lease lasts unless renewed (every third of it); a standby takes over within about this long after the leader dies.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    process: Type.Object(
      {
        containment: Type.Union(
          (['auto', 'cgroup2', 'cgroup1', 'environ', 'none'] as const).map((kind) => Type.Literal(kind)),
          { default: 'auto', description: 'How everything an action or sensor starts is kept, to be ended with it: auto picks the best that works here.' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    packs: Type.Object(
      {
        paths: Type.Array(Type.String(), { default: [], description: 'Extra pack directories loaded at start.' }),
        // Registration parses YAML on the API's event loop: one file is one uninterrupted parse, so
        // max_file_bytes bounds each stall (docs/configuration.md gives the measured costs).
        max_file_bytes: Type.Integer({ minimum: 1024, default: 131_072, description: 'Largest YAML file of a pack, in bytes.' }),
        max_pack_bytes: Type.Integer({ minimum: 1024, default: 16_777_216, description: 'Total size of the YAML files of one pack.' }),
        max_files: Type.Integer({ minimum: 1, default: 5000, description: 'Most YAML files one pack may hold.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
        max_bytes: Type.Integer({ minimum: 4096, default: 10_485_760, description: 'Size at which logs/attune.log is rotated.' }),
        max_files: Type.Integer({ minimum: 0, maximum: 100, default: 5, description: 'Rotated files of logs/attune.log kept.' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ServerConfig = Config['server'];
export type AuthConfig = Config['auth'];
export type WorkerConfig = Config['worker'];
export type ExecutorConfig = Config['executor'];
export type RulesConfig = Config['rules'];
export type SensorsConfig = Config['sensors'];
export type ProcessConfig = Config['process'];
export type PacksConfig = Config['packs'];
export type DatabaseConfig = Config['database'];
export type BusConfig = Config['bus'];

/** The `packs` defaults, for code that loads packs without a whole configuration (tests, tools). */
export const PACKS_DEFAULTS: PacksConfig = Object.freeze(Value.Default(ConfigSchema.properties.packs, {}) as PacksConfig);
