import { expect, it } from 'vitest';
import { inquiryId } from '../../domain/index.js';
import type { NewInquiry } from '../store-types.js';
import type { CurrentStore } from './fixtures.contract.js';

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

function inquiryOf(executionId: NewInquiry['executionId'], dueAt: string): NewInquiry {
  return {
    executionId,
    prompt: 'Deploy?',
    schema: { approved: { type: 'boolean', required: true } },
    assignee: 'alice',
    role: null,
    forbidRequester: true,
    requestedBy: 'bob',
    dueAt,
  };
}

/** Inquiries: one per execution, settled once (an answer and a timeout cannot both land), found when due. */
export function inquiriesContract(current: CurrentStore): void {
  it('creates one inquiry per execution and settles it only once', async () => {
    const store = current();
    const execution = await store.executions.create({ actionRef: 'core.ask', parameters: {} });
    const created = await store.inquiries.create(inquiryOf(execution.id, FAR_FUTURE));
    expect(created).toMatchObject({ executionId: execution.id, status: 'pending', assignee: 'alice', forbidRequester: true, response: null });
    expect(await store.inquiries.create(inquiryOf(execution.id, FAR_FUTURE))).toBeUndefined();
    if (!created) return;
    expect(await store.inquiries.get(created.id)).toEqual(created);
    expect(await store.inquiries.findByExecution(execution.id)).toEqual(created);
    const [a, b] = await Promise.all([
      store.inquiries.settle(created.id, { status: 'responded', response: { approved: true }, respondedBy: 'alice' }),
      store.inquiries.settle(created.id, { status: 'timed_out' }),
    ]);
    const winners = [a, b].filter((x) => x !== undefined);
    expect(winners).toHaveLength(1);
    expect(await store.inquiries.settle(created.id, { status: 'cancelled' })).toBeUndefined();
    expect(await store.inquiries.get(inquiryId(999_999))).toBeUndefined();
  });

  it('lists inquiries newest first by status, and finds the pending ones that are due', async () => {
    const store = current();
    const ids = [];
    for (const dueAt of ['2000-01-02T00:00:00.000Z', FAR_FUTURE, '2000-01-01T00:00:00.000Z']) {
      const execution = await store.executions.create({ actionRef: 'core.ask', parameters: {} });
      const inquiry = await store.inquiries.create(inquiryOf(execution.id, dueAt));
      if (inquiry) ids.push(inquiry.id);
    }
    const [later, never, earlier] = ids as [(typeof ids)[0], (typeof ids)[0], (typeof ids)[0]];
    expect((await store.inquiries.findDue(new Date().toISOString(), 10)).map((i) => i.id)).toEqual([earlier, later]);
    await store.inquiries.settle(earlier, { status: 'cancelled' });
    expect((await store.inquiries.findDue(new Date().toISOString(), 10)).map((i) => i.id)).toEqual([later]);
    const pending = await store.inquiries.list({ limit: 10, offset: 0, status: 'pending' });
    expect({ ids: pending.items.map((i) => i.id), total: pending.total }).toEqual({ ids: [never, later], total: 2 });
    const one = await store.inquiries.list({ limit: 10, offset: 0, executionId: (await store.inquiries.get(never))?.executionId });
    expect(one.items.map((i) => i.id)).toEqual([never]);
  });
}
