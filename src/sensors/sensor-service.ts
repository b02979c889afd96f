import { randomUUID } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Bus, Consumer } from '../bus/index.js';
import type { SensorsConfig } from '../config/index.js';
import type { Rule, Sensor } from '../domain/index.js';
import { buildChildEnv, type Containment, resolveEntryPath, resolveLaunch } from '../process/index.js';
import type { NewEvent, Store } from '../store/index.js';
import { PeriodicTask } from '../supervisor/index.js';
import { type EventIngest, ONE_SHOT_TRIGGERS } from './event-ingest.js';
import { CORE_TIMER_SENSOR_REF, InProcessTimerRun } from './in-process-timer.js';
import { logMissedTimerFires } from './missed-timer-fires.js';
import { SensorLedger } from './sensor-ledger.js';
import { SensorProcess } from './sensor-process.js';
import { SensorReporter } from './sensor-reporter.js';
import type { SensorEmission, SensorLogEntry, SensorStatus, TriggerInstance } from './sensor-types.js';

export interface SensorServiceOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  readonly ingest: EventIngest;
  readonly config: SensorsConfig;
  readonly logLevel: string;
  /** Where each sensor's log file goes (`<dir>/<sensor ref>.log`). */
  readonly logDir: string;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Where each sensor process and everything it starts is kept (default: the process group alone). */
  readonly containment?: Containment;
  /** Where the running sensor processes are recorded, so a start after a crash ends them first (see SensorLedger). */
  readonly ledgerDir?: string;
  /** Issues each sensor's ATTUNE_API_TOKEN; without it sensors get none. */
  readonly credentials?: SensorCredentials;
  /**
   * Report each sensor's status and recent log lines to the database under this name (the
   * service's lease holder name), for APIs of other processes; none in the embedded mode, whose
   * API reads them from this service.
   */
  readonly reportAs?: string;
}

/** A sensor token as the sensor service holds it (see auth's ServiceTokens). */
export interface SensorTokenGrant {
  readonly token: string;
  readonly id: number;
  /** ISO time it stops working. */
  readonly expiresAt: string;
}

/** Where sensor tokens come from: a narrow port, so a sensor service on another host can get them later. */
export interface SensorCredentials {
  issueSensorToken(sensorRef: string): Promise<SensorTokenGrant>;
  revokeToken(id: SensorTokenGrant['id']): Promise<void>;
}

/** How often held sensor tokens are checked; one past half its lifetime is replaced for the next start. */
const TOKEN_CHECK_MS = 15 * 60_000;

interface Supervised {
  readonly sensor: Sensor;
  readonly process: SensorProcess;
  /** Rule refs by rule id, for the instances the process was last given. */
  readonly ruleRefs: Map<number, string>;
  /** The API token the next (re)start gets; issued tokens are revoked when supervision ends. */
  readonly tokens: { current: SensorTokenGrant | undefined; readonly issued: SensorTokenGrant[]; issuedAt: number };
}

/**
 * Runs a sensor only while an enabled rule uses one of its triggers (DESIGN §4): after every
 * rule or pack change it reconciles the running processes with the rules in the database, and
 * stores what the sensors emit as events.
 */
export class SensorService {
  readonly #options: SensorServiceOptions;
  readonly #log: Logger;
  readonly #supervised = new Map<string, Supervised>();
  #consumer: Consumer | undefined;
  #reconciling: Promise<void> = Promise.resolve();
  #stopped = false;
  #apiUrl = '';
  #reporter: SensorReporter | undefined;
  readonly #ledger: SensorLedger | undefined;
  readonly #tokenCheck: PeriodicTask;

  constructor(options: SensorServiceOptions) {
    this.#options = options;
    this.#log = options.log.child({ svc: 'sensors' });
    this.#ledger = options.ledgerDir === undefined ? undefined : new SensorLedger(options.ledgerDir);
    this.#tokenCheck = new PeriodicTask('sensor tokens', TOKEN_CHECK_MS, () => this.#renewTokens(), this.#log);
  }

  /**
   * Starts reconciling; `apiUrl` is what sensors are told as ATTUNE_API_URL. Sensor processes an
   * earlier Attune left running (it was killed outright) are ended first, so none runs twice.
   * `term` is the lease term this service leads in: its reports replace those of earlier terms.
   */
  async start(apiUrl: string, term = 0): Promise<void> {
    this.#apiUrl = apiUrl;
    const { reportAs } = this.#options;
    this.#reporter = reportAs === undefined ? undefined : new SensorReporter({ reports: this.#options.store.sensorReports, service: reportAs, term, log: this.#log });
    // A sensor leader that lost its lease and won it again starts anew (stopped ones stay listed until then).
    this.#stopped = false;
    this.#supervised.clear();
    await logMissedTimerFires(this.#options.store, this.#log, Date.now());
    for (const ref of this.#ledger?.reapOrphans() ?? []) this.#log.warn({ sensorRef: ref }, 'sensor process left running by a killed attune up ended');
    // Sensor output may hold anything a sensor saw: the owner's alone, like the data dir.
    await mkdir(this.#options.logDir, { recursive: true, mode: 0o700 });
    await chmod(this.#options.logDir, 0o700);
    this.#consumer = await this.#options.bus.consume(
      `sensors.changes.${randomUUID()}`,
      ['rule.created', 'rule.updated', 'rule.enabled', 'rule.disabled', 'rule.deleted', 'pack.registered', 'pack.deleted'],
      () => this.reconcile(),
      { isPrivate: true },
    );
    await this.reconcile();
    if (this.#options.credentials) this.#tokenCheck.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#tokenCheck.stop();
    await this.#consumer?.cancel();
    await this.#reconciling;
    await Promise.all([...this.#supervised.values()].map((s) => this.#unsupervise(s)));
    await this.#reporter?.flush(); // the last word: every sensor stopped, with its last lines
  }

  /** Brings running sensors in line with the enabled rules; calls are serialised. */
  reconcile(): Promise<void> {
    this.#reconciling = this.#reconciling.then(() => this.#reconcileNow());
    return this.#reconciling;
  }

  status(): readonly (SensorStatus & { readonly sensor: Sensor | undefined })[] {
    return [...this.#supervised.values()].map((s) => ({ ...s.process.status(), sensor: s.sensor }));
  }

  statusOf(ref: string): SensorStatus | undefined {
    return this.#supervised.get(ref)?.process.status();
  }

  logs(ref: string, limit?: number): readonly SensorLogEntry[] | undefined {
    return this.#supervised.get(ref)?.process.logs(limit);
  }

  async #reconcileNow(): Promise<void> {
    if (this.#stopped) return;
    const { store } = this.#options;
    const sensors = (await store.triggers.listSensors()).filter((s) => s.enabled);
    const rules = await store.rules.listEnabled();
    for (const [ref, supervised] of this.#supervised) {
      if (sensors.some((s) => s.ref === ref && launchKey(s) === launchKey(supervised.sensor))) continue;
      this.#supervised.delete(ref); // removed, disabled or changed: stop the old process
      await this.#unsupervise(supervised);
    }
    for (const sensor of sensors) {
      const instances = await this.#instancesFor(sensor, rules);
      const supervised = this.#supervised.get(sensor.ref) ?? (instances.length > 0 ? await this.#supervise(sensor) : undefined);
      if (!supervised) continue;
      supervised.ruleRefs.clear();
      for (const instance of instances) supervised.ruleRefs.set(instance.id, instance.rule_ref);
      supervised.process.update(instances);
    }
  }

  async #instancesFor(sensor: Sensor, rules: readonly Rule[]): Promise<TriggerInstance[]> {
    const instances: TriggerInstance[] = [];
    for (const rule of rules.filter((r) => sensor.triggerTypes.includes(r.triggerRef))) {
      const fired = ONE_SHOT_TRIGGERS.has(rule.triggerRef) && (await this.#options.store.events.existsFor(rule.triggerRef, rule.ref, rule.created));
      // An interval counts from the rule's last change (its enabling), across restarts of Attune.
      const anchor = rule.triggerRef === 'core.intervaltimer' ? { anchor_at: rule.updated } : {};
      instances.push({ id: rule.id, ref: rule.triggerRef, rule_ref: rule.ref, config: rule.triggerParams, ...anchor, ...(fired ? { fired } : {}) });
    }
    return instances;
  }

  async #supervise(sensor: Sensor): Promise<Supervised | undefined> {
    const { store, config, baseEnv } = this.#options;
    const pack = await store.packs.findByRef(sensor.packRef);
    if (!pack) return undefined;
    const cwd = path.join(pack.path, 'sensors');
    // Refused at pack load: a sensor is a program of its pack.
    if (sensor.runnerType === 'builtin' || sensor.runnerType === 'shell-cmd') return undefined;
    const entry = await resolveEntryPath(pack.path, sensor.entryPoint, 'sensors');
    const resolved =
      'error' in entry
        ? { ok: false as const, error: entry.error }
        : await resolveLaunch(sensor.runnerType, entry.path, process.execPath, baseEnv.PATH);
    if (!resolved.ok) {
      this.#log.error({ sensorRef: sensor.ref, error: resolved.error }, 'sensor cannot be started');
      return undefined;
    }
    const ruleRefs = new Map<number, string>();
    const tokens: Supervised['tokens'] = { current: undefined, issued: [], issuedAt: 0 };
    await this.#issueToken(sensor.ref, tokens);
    const env = buildChildEnv(baseEnv, {
      ATTUNE_SENSOR_REF: sensor.ref,
      ATTUNE_API_URL: this.#apiUrl,
      ATTUNE_LOG_LEVEL: this.#options.logLevel,
    });
    const supervised: Supervised = {
      sensor,
      ruleRefs,
      tokens,
      process: new SensorProcess({
        launch: { ref: sensor.ref, ...resolved.launch, cwd, triggerTypes: sensor.triggerTypes, liveUpdates: sensor.liveUpdates },
        env,
        currentEnv: () => tokenEnv(tokens.current),
        log: this.#log, // SensorProcess adds the sensorRef itself
        onEvents: (emissions) => this.#ingest(sensor, ruleRefs, emissions),
        onAlert: (alert) => this.#alert(alert),
        restartBaseMs: config.restart_base_ms,
        restartMaxMs: config.restart_max_ms,
        alertAfterFailures: config.alert_after_failures,
        killGraceMs: config.kill_grace_ms,
        logFile: path.join(this.#options.logDir, `${sensor.ref}.log`),
        logFileMaxBytes: config.log_max_bytes,
        logFileMaxFiles: config.log_max_files,
        ...(this.#options.containment ? { containment: this.#options.containment } : {}),
        ...(this.#runsInProcess(sensor) ? { runInProcess: (options) => new InProcessTimerRun(options) } : {}),
        onProcessStarted: (pid, cell) => {
          this.#keepLedger(sensor.ref, (ledger) => ledger.record(sensor.ref, pid, cell));
          this.#publishState(sensor.ref, 'running');
        },
        onProcessEnded: () => {
          this.#keepLedger(sensor.ref, (ledger) => ledger.forget(sensor.ref));
          this.#publishState(sensor.ref, 'stopped');
        },
        onChange: (what) => {
          const reporter = this.#reporter;
          if (reporter === undefined) return;
          if (what === 'status') reporter.statusChanged(sensor.ref, supervised.process);
          else reporter.linesAdded(sensor.ref, supervised.process);
        },
      }),
    };
    this.#supervised.set(sensor.ref, supervised);
    return supervised;
  }

  /** Gives the sensor a fresh token for its next start (the running process renews its own, see docs/sensors.md). */
  async #issueToken(sensorRef: string, tokens: Supervised['tokens']): Promise<void> {
    const credentials = this.#options.credentials;
    if (!credentials) return;
    const grant = await credentials.issueSensorToken(sensorRef);
    tokens.current = grant;
    tokens.issued.push(grant);
    tokens.issuedAt = Date.now();
  }

  async #renewTokens(): Promise<void> {
    for (const { sensor, tokens } of this.#supervised.values()) {
      const { current } = tokens;
      if (current && Date.now() > (tokens.issuedAt + Date.parse(current.expiresAt)) / 2) await this.#issueToken(sensor.ref, tokens);
    }
  }

  /** Stops the process, then revokes every token it was given: nothing runs with them any more. */
  async #unsupervise(supervised: Supervised): Promise<void> {
    await supervised.process.stop();
    const issued = supervised.tokens.issued.splice(0);
    supervised.tokens.current = undefined;
    for (const grant of issued) {
      await this.#options.credentials?.revokeToken(grant.id).catch((err: unknown) => {
        // Safe to go on: the token expires on its own within its lifetime.
        this.#log.warn({ err, sensorRef: supervised.sensor.ref }, 'could not revoke a sensor token');
      });
    }
  }

  #publishState(sensorRef: string, state: 'running' | 'stopped'): void {
    this.#options.bus.publish('sensor.status.changed', { sensorRef, state }).catch((err: unknown) => {
      // Only live-stream watchers miss it; the sensor's status stays readable through the API.
      this.#log.warn({ err, sensorRef }, 'could not publish the sensor status');
    });
  }

  /** The core timer sensor runs inside Attune unless `sensors.timer_in_process` is false (DESIGN §4). */
  #runsInProcess(sensor: Sensor): boolean {
    return this.#options.config.timer_in_process && sensor.packRef === 'core' && sensor.ref === CORE_TIMER_SENSOR_REF;
  }

  #keepLedger(sensorRef: string, write: (ledger: SensorLedger) => void): void {
    if (this.#ledger === undefined) return;
    try {
      write(this.#ledger);
    } catch (err) {
      // Only the clean-up after a crash needs the ledger; the sensor itself runs on.
      this.#log.warn({ err, sensorRef }, 'could not update the sensor ledger');
    }
  }

  /**
   * Stores a batch of a sensor's events in one transaction. When the store refuses the batch, the
   * events are stored one by one, so a bad one costs only itself (and is logged).
   */
  async #ingest(sensor: Sensor, ruleRefs: ReadonlyMap<number, string>, emissions: readonly SensorEmission[]): Promise<void> {
    const inputs: NewEvent[] = [];
    for (const emission of emissions) {
      const ruleRef = emission.triggerInstanceId === null ? null : ruleRefs.get(emission.triggerInstanceId);
      // Undefined: the rule went away while the line was in flight.
      if (ruleRef !== undefined) inputs.push({ triggerRef: emission.triggerRef, payload: emission.payload, source: sensor.ref, ruleRef });
    }
    if (inputs.length === 0) return;
    const { ingest } = this.#options;
    try {
      await ingest.emitMany(inputs);
    } catch (batchError) {
      if (inputs.length === 1) throw batchError;
      for (const input of inputs) {
        await ingest.emit(input).catch((err: unknown) => this.#log.error({ err, sensorRef: sensor.ref, triggerRef: input.triggerRef }, 'sensor event not handled'));
      }
    }
  }

  async #alert(alert: { sensorRef: string; consecutiveFailures: number; message: string }): Promise<void> {
    this.#log.error({ sensorRef: alert.sensorRef, failures: alert.consecutiveFailures }, 'sensor keeps failing');
    await this.#options.ingest.emit({
      triggerRef: 'core.alert',
      source: 'attune',
      payload: { kind: 'sensor_failing', sensor_ref: alert.sensorRef, consecutive_failures: alert.consecutiveFailures, message: alert.message },
    });
  }
}

/** What a sensor's process depends on; a pack reload that changes none of it leaves it running. */
function launchKey(sensor: Sensor): string {
  return JSON.stringify([sensor.runnerType, sensor.entryPoint, sensor.triggerTypes, sensor.liveUpdates, sensor.parameters]);
}

/** A sensor's token variables: the token and when it expires (it renews itself before, see docs/sensors.md). */
function tokenEnv(grant: SensorTokenGrant | undefined): Record<string, string> {
  return grant ? { ATTUNE_API_TOKEN: grant.token, ATTUNE_API_TOKEN_EXPIRES_AT: grant.expiresAt } : {};
}
