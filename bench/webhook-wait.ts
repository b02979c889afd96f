import type { RunningAttune } from './attune-process.js';
import { type HttpClient, dataOf } from './http-client.js';
import { type Distribution, distribution } from './stats.js';

/** The rule the webhook group creates: each POST runs `core.shell echo <n>` and waits for it. */
export const WEBHOOK_RULE = { ref: 'benchpack.webhook_wait', url: 'bench-wait' } as const;

export interface WebhookWaitResult {
  readonly concurrency: number;
  readonly requests: number;
  /** Answers that were not a 200 with the execution completed and its output right. */
  readonly failed: number;
  readonly per_second: number;
  readonly round_trip_ms: Distribution | undefined;
}

/**
 * `requests` POSTs to the webhook with `?wait=30`, `concurrency` at a time: each answer is timed
 * from send to reply, which covers storing the event, the rule, scheduling, running bash and the
 * wake-up of the waiting request. An answer counts only when it carries the echoed number.
 */
export async function measureWebhookWait(http: HttpClient, attune: RunningAttune, options: { readonly requests: number; readonly concurrency: number }): Promise<WebhookWaitResult> {
  const url = `${attune.url}/api/v1/webhooks/${WEBHOOK_RULE.url}?wait=30`;
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const loop = async () => {
    for (let n = next++; n < options.requests; n = next++) {
      const sentAt = performance.now();
      const response = await http.request('POST', url, { n });
      const elapsed = performance.now() - sentAt;
      const executions = response.status === 200 ? (dataOf(response).executions as { status?: string; result?: { stdout?: string } }[] | undefined) : undefined;
      const ok = executions?.length === 1 && executions[0]?.status === 'completed' && executions[0].result?.stdout === `${n}\n`;
      if (ok) times.push(elapsed);
      else failed++;
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const seconds = (performance.now() - startedAt) / 1000;
  return { concurrency: options.concurrency, requests: options.requests, failed, per_second: Number((times.length / seconds).toFixed(1)), round_trip_ms: distribution(times) };
}
