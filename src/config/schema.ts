import { type Static, Type } from '@sinclair/typebox';

/** The one typed configuration (DESIGN §8). Keys mirror attune.yaml and ATTUNE__SECTION__KEY. */
export const ConfigSchema = Type.Object(
  {
    home: Type.String({ description: 'The data dir: SQLite file, packs, logs, secrets.' }),
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        body_limit_bytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
      },
      { additionalProperties: false, default: {} },
    ),
    database: Type.Object(
      {
        url: Type.String({ default: '', description: 'Empty: <home>/attune.db. sqlite:<path> or postgres://…' }),
      },
      { additionalProperties: false, default: {} },
    ),
    bus: Type.Object(
      {
        url: Type.String({ default: 'memory:', description: 'memory: for the in-process bus, amqp://… for RabbitMQ.' }),
        max_attempts: Type.Integer({ minimum: 1, default: 5 }),
      },
      { additionalProperties: false, default: {} },
    ),
    worker: Type.Object(
      {
        id: Type.String({ default: '' }),
        concurrency: Type.Integer({ minimum: 1, default: 16 }),
        max_output_bytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        kill_grace_ms: Type.Integer({ minimum: 0, default: 2000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    executor: Type.Object(
      {
        redrive_after_ms: Type.Integer({ minimum: 100, default: 10_000 }),
        supervisor_interval_ms: Type.Integer({ minimum: 100, default: 5_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    sensors: Type.Object(
      {
        restart_base_ms: Type.Integer({ minimum: 10, default: 5000, description: 'First restart delay of a crashed sensor; doubles per failure.' }),
        restart_max_ms: Type.Integer({ minimum: 10, default: 300_000 }),
        alert_after_failures: Type.Integer({ minimum: 1, default: 3, description: 'Consecutive failures that raise a core.alert event.' }),
        kill_grace_ms: Type.Integer({ minimum: 0, default: 2000 }),
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
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type ServerConfig = Config['server'];
export type WorkerConfig = Config['worker'];
export type ExecutorConfig = Config['executor'];
export type SensorsConfig = Config['sensors'];
export type ProcessConfig = Config['process'];
