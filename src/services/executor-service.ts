import { ExecutorService, InquiryService, WorkflowEngine } from '../executor/index.js';
import { killOrphanedProcess } from '../process/index.js';
import { RuleEngine } from '../rules/index.js';
import { KeyService } from '../secrets/index.js';
import type { RunningService, SharedParts } from './service-kit.js';

const ORPHAN_REASON = 'abandoned: the process running it stopped before it finished';

/** The executor service between its clean-up at start and the start of its consumers. */
export interface PreparedExecutor {
  start(): Promise<RunningService>;
}

/**
 * The executor service: the rule engine (events → enforcements → executions), scheduling and
 * dispatch, workflows, inquiries (their timeouts), and the supervisor loops that re-drive what a crash left behind.
 * Preparing it ends what earlier processes left running; that must happen before a worker of
 * this process claims anything, and `start` after the worker consumes (so no dispatch waits).
 */
export async function prepareExecutorService(shared: SharedParts): Promise<PreparedExecutor> {
  const { config, store, bus, log, catalog, secrets, audit } = shared;
  const workflows = new WorkflowEngine({ store, bus, log, catalog, requests: shared.executions, config: config.executor });
  const inquiries = new InquiryService({ store, bus, log, config: config.executor });
  const executor = new ExecutorService({
    store,
    bus,
    log,
    config: config.executor,
    catalog,
    reapOrphan: killOrphanedProcess,
    workflows,
    inquiries,
    heartbeatTimeoutMs: config.worker.heartbeat_timeout_ms,
    heartbeatMs: config.worker.heartbeat_ms,
    workerRetentionMs: config.worker.retention_ms,
  });
  // On SQLite this process is the only one (exclusive lock): whatever runs is an orphan. Elsewhere
  // other workers may be running theirs; only executions of dead workers are abandoned.
  const abandoned = shared.isExclusive ? await executor.abandonOrphans(ORPHAN_REASON) : await executor.abandonDeadWorkers();
  if (abandoned > 0) log.warn({ count: abandoned }, 'executions left running by an earlier process marked abandoned');
  const keys = new KeyService({ store, secrets, audit });
  const ruleEngine = new RuleEngine({ store, bus, log, executions: shared.executions, catalog, secrets, keys, config: config.executor, rules: config.rules });
  const start = async (): Promise<RunningService> => {
    await executor.start();
    await workflows.start();
    await inquiries.start();
    await ruleEngine.start();
    // Whatever a crash left half-way is driven on from the database: nothing is lost.
    await ruleEngine.redrive(0, Number.POSITIVE_INFINITY);
    await executor.redrive(0, Number.POSITIVE_INFINITY);
    const stop = async () => {
      await ruleEngine.stop();
      await inquiries.stop();
      await workflows.stop();
      await executor.stop();
    };
    return { name: 'executor', stop };
  };
  return { start };
}
