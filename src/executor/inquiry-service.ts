import type { Logger } from 'pino';
import type { Bus, Consumer, Delivery } from '../bus/index.js';
import type { ExecutorConfig } from '../config/index.js';
import {
  AppError,
  type Execution,
  type ExecutionId,
  type ExecutionResult,
  type FlatSchema,
  type Inquiry,
  type InquiryId,
  type InquiryStatus,
  checkParameters,
  executionId,
} from '../domain/index.js';
import type { InquiryFilter, Page, Repositories, Store } from '../store/index.js';
import { PeriodicTask } from '../supervisor/index.js';
import { STARTABLE, isStartable } from './startable.js';

/** The core action that asks a person; the executor hands its executions here, never to a worker. */
export const ASK_ACTION = 'core.ask';
/** How long an inquiry waits when neither its `timeout` parameter nor its execution says. */
const DEFAULT_TIMEOUT_SECONDS = 3600;
const BATCH = 100;
/** How far up a chain of nested workflows the requester is looked for. */
const MAX_DEPTH = 32;

/** Who answers, as the API knows them. */
export interface InquiryResponder {
  readonly login: string;
  readonly permissionSets: readonly string[];
  /** Holds every permission: may answer any inquiry (but not one that forbids its requester, if that is them). */
  readonly isAdmin: boolean;
}

export interface InquiryServiceOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  readonly config: Pick<ExecutorConfig, 'workflow_tick_ms'>;
}

interface AskParameters {
  readonly prompt: string;
  readonly schema: FlatSchema;
  readonly assignee: string | null;
  readonly role: string | null;
  readonly timeoutSeconds: number;
  readonly forbidRequester: boolean;
}

/**
 * Inquiries (issue 9 §4). A `core.ask` execution moves to `running` with no worker and gets an
 * inquiry row in the same transaction; it ends `completed` (with the answer as `result.response`)
 * when the assignee responds, `timeout` when the periodic pass finds its due time passed (a
 * workflow then takes its `timed_out()` branch), or `cancelled`. Each end is one transaction that
 * settles the inquiry by compare-and-set, so an answer and a timeout never both land.
 */
export class InquiryService {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #ticker: PeriodicTask;
  #consumer: Consumer | undefined;

  constructor(options: InquiryServiceOptions) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log.child({ svc: 'inquiries' });
    this.#ticker = new PeriodicTask('inquiries.tick', options.config.workflow_tick_ms, () => this.tick(), this.#log);
  }

  async start(): Promise<void> {
    this.#consumer = await this.#bus.consume('inquiries.cancel', ['execution.cancel'], (d) => this.#onCancel(d), { prefetch: 16 });
    this.#ticker.start();
  }

  async stop(): Promise<void> {
    await this.#ticker.stop();
    await this.#consumer?.cancel();
  }

  isInquiry(actionRef: string): Promise<boolean> {
    return Promise.resolve(actionRef === ASK_ACTION);
  }

  /** Opens the inquiry of a requested `core.ask` execution; a second request message finds it running and does nothing. */
  async begin(id: ExecutionId): Promise<void> {
    const execution = await this.#store.executions.get(id);
    if (!execution || !isStartable(execution.status)) return;
    const ask = askParametersOf(execution);
    if (typeof ask === 'string') return this.#failAtOnce(execution, ask);
    const requestedBy = await this.#requesterOf(execution);
    const dueAt = new Date(Date.now() + ask.timeoutSeconds * 1000).toISOString();
    const opened = await this.#store.transaction(async (tx) => {
      const started = await tx.executions.transition(id, STARTABLE, 'running', { started: true });
      if (!started) return undefined;
      const { timeoutSeconds: _, ...fields } = ask;
      return tx.inquiries.create({ executionId: id, ...fields, requestedBy, dueAt });
    });
    if (!opened) return;
    this.#log.info({ executionId: id, inquiryId: opened.id }, 'inquiry opened');
    await this.#bus.publish('execution.status.changed', { executionId: id, status: 'running', actionRef: execution.actionRef });
    await this.#publish(opened);
  }

  list(filter: InquiryFilter): Promise<Page<Inquiry>> {
    return this.#store.inquiries.list(filter);
  }

  async get(id: InquiryId): Promise<Inquiry> {
    const inquiry = await this.#store.inquiries.get(id);
    if (!inquiry) throw new AppError('ERR_INQUIRY_NOT_FOUND', `no inquiry ${id}`);
    return inquiry;
  }

  /** Answers a pending inquiry: checked against who may answer and against its schema (defaults applied). */
  async respond(id: InquiryId, responder: InquiryResponder, response: unknown): Promise<Inquiry> {
    const inquiry = await this.get(id);
    if (inquiry.status !== 'pending') throw new AppError('ERR_INQUIRY_NOT_PENDING', `inquiry ${id} is ${inquiry.status}`);
    const refusal = refusalOf(inquiry, responder);
    if (refusal !== undefined) throw new AppError('ERR_INQUIRY_NOT_ASSIGNEE', refusal);
    const checked = checkParameters(inquiry.schema, response ?? {});
    if (!checked.ok) {
      const [first] = checked.problems;
      throw new AppError('ERR_INQUIRY_RESPONSE_INVALID', first ? `field "${first.parameter}" ${first.message}` : 'invalid response', { details: checked.problems });
    }
    const settled = await this.#settle(inquiry, { status: 'responded', response: checked.value, respondedBy: responder.login }, 'completed', {
      response: checked.value,
      responded_by: responder.login,
    });
    if (!settled) throw new AppError('ERR_INQUIRY_NOT_PENDING', `inquiry ${id} ended meanwhile`);
    this.#log.info({ inquiryId: id, respondedBy: responder.login }, 'inquiry answered');
    return settled;
  }

  /** One pass: every pending inquiry whose due time has passed times out. */
  async tick(): Promise<void> {
    for (const inquiry of await this.#store.inquiries.findDue(new Date().toISOString(), BATCH)) {
      const settled = await this.#settle(inquiry, { status: 'timed_out' }, 'timeout', { error: 'the inquiry timed out before anyone answered' });
      if (settled) this.#log.info({ inquiryId: inquiry.id }, 'inquiry timed out');
    }
  }

  async #onCancel(delivery: Delivery<'execution.cancel'>): Promise<void> {
    const inquiry = await this.#store.inquiries.findByExecution(executionId(delivery.body.executionId));
    if (inquiry?.status !== 'pending') return;
    await this.#settle(inquiry, { status: 'cancelled' }, 'cancelled', { error: 'cancelled while waiting for an answer' });
  }

  /** Ends the inquiry and its execution in one transaction; undefined when the inquiry was no longer pending. */
  async #settle(
    inquiry: Inquiry,
    settlement: { readonly status: Exclude<InquiryStatus, 'pending'>; readonly response?: Record<string, unknown>; readonly respondedBy?: string },
    to: 'completed' | 'timeout' | 'cancelled',
    result: ExecutionResult,
  ): Promise<Inquiry | undefined> {
    const done = await this.#store.transaction(async (tx: Repositories) => {
      const settled = await tx.inquiries.settle(inquiry.id, settlement);
      if (!settled) return undefined;
      const finished = await tx.executions.transition(inquiry.executionId, ['running', 'canceling'], to, { finished: true, result });
      return { settled, finished };
    });
    if (!done) return undefined;
    await this.#publish(done.settled);
    if (done.finished) {
      const summary = { executionId: done.finished.id, actionRef: done.finished.actionRef };
      await this.#bus.publish('execution.status.changed', { ...summary, status: to });
      await this.#bus.publish('execution.completed', { ...summary, status: to });
    }
    return done.settled;
  }

  async #failAtOnce(execution: Execution, error: string): Promise<void> {
    const failed = await this.#store.executions.transition(execution.id, STARTABLE, 'failed', { started: true, finished: true, result: { error } });
    if (!failed) return;
    const summary = { executionId: failed.id, actionRef: failed.actionRef };
    await this.#bus.publish('execution.status.changed', { ...summary, status: 'failed' });
    await this.#bus.publish('execution.completed', { ...summary, status: 'failed' });
  }

  /** Who started the outermost workflow this execution belongs to (or the execution itself). */
  async #requesterOf(execution: Execution): Promise<string | null> {
    let current: Execution | undefined = execution;
    for (let depth = 0; current?.parentId != null && depth < MAX_DEPTH; depth++) {
      const parent: Execution | undefined = await this.#store.executions.get(current.parentId);
      if (!parent) break;
      current = parent;
    }
    return current?.requestedBy ?? execution.requestedBy;
  }

  #publish(inquiry: Inquiry): Promise<void> {
    return this.#bus.publish('inquiry.changed', { inquiryId: inquiry.id, status: inquiry.status, executionId: inquiry.executionId });
  }
}

/** Why `responder` may not answer, or undefined when they may. */
function refusalOf(inquiry: Inquiry, responder: InquiryResponder): string | undefined {
  if (inquiry.forbidRequester && inquiry.requestedBy === responder.login) {
    return `inquiry ${inquiry.id} may not be answered by the identity that started its workflow (${responder.login})`;
  }
  if (responder.isAdmin) return undefined;
  const named = inquiry.assignee !== null || inquiry.role !== null;
  if (!named || inquiry.assignee === responder.login) return undefined;
  if (inquiry.role !== null && responder.permissionSets.includes(inquiry.role)) return undefined;
  const who = [inquiry.assignee === null ? null : `"${inquiry.assignee}"`, inquiry.role === null ? null : `holders of "${inquiry.role}"`].filter(Boolean).join(' or ');
  return `inquiry ${inquiry.id} is for ${who}`;
}

/** The parameters of a `core.ask` (already checked against its schema), or what is wrong with them. */
function askParametersOf(execution: Execution): AskParameters | string {
  const p = execution.parameters;
  const schema = (p.schema ?? {}) as FlatSchema;
  try {
    checkParameters(schema, {}); // compiles the schema: a malformed one throws here, not at the answer
  } catch (error) {
    return `parameter "schema" is not a valid flat schema: ${error instanceof Error ? error.message : String(error)}`;
  }
  const timeout = typeof p.timeout === 'number' ? p.timeout : (execution.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  return {
    prompt: typeof p.prompt === 'string' ? p.prompt : '',
    schema,
    assignee: typeof p.assignee === 'string' ? p.assignee : null,
    role: typeof p.role === 'string' ? p.role : null,
    timeoutSeconds: timeout,
    forbidRequester: p.forbid_requester === true,
  };
}
