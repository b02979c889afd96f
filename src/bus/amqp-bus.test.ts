import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { closeConnections, queueDepths, TestVhosts } from '../../test/support/rabbitmq.js';
import { describeEachAdapter } from '../../test/support/test-adapters.js';
import { waitFor } from '../../test/support/wait.js';
import { AppError } from '../domain/index.js';
import { AmqpBus, DEAD_LETTER_QUEUE } from './amqp-bus.js';
import type { DeadLetter } from './bus.js';

/** A logger whose messages the test can wait for ("bus connection lost"). */
function recordingLog(): { log: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      messages.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), messages };
}

/** Behaviour only a bus across a network has: losing the broker and getting it back. */
function amqpSuite(_name: string, vhosts: () => Promise<TestVhosts>): void {
  describe('AmqpBus on RabbitMQ', () => {
    it('survives a connection closed by the broker: nothing lost, nothing a handler acked delivered again', async () => {
      const pool = await vhosts();
      const { url, vhost } = await pool.create();
      const { log, messages } = recordingLog();
      const bus = await AmqpBus.open({ url, log });
      const handled: number[] = [];
      let releaseHeld!: () => void;
      const held = new Promise<void>((resolve) => (releaseHeld = resolve));
      try {
        await bus.consume('work', ['execution.dispatch'], async (d) => {
          handled.push(d.body.executionId);
          if (d.body.executionId === 3 && handled.filter((id) => id === 3).length === 1) await held;
        });
        await bus.publish('execution.dispatch', { executionId: 1, runtime: 'shell' });
        await bus.publish('execution.dispatch', { executionId: 2, runtime: 'shell' });
        // Acked and known to the broker: nothing of the queue is left, not even unacknowledged.
        await waitFor(async () => handled.length === 2 && (await queueDepths(vhost)).work === 0, 200);
        await bus.publish('execution.dispatch', { executionId: 3, runtime: 'shell' });
        await waitFor(() => handled.includes(3));

        await closeConnections(vhost);
        await waitFor(() => messages.includes('bus connection lost: reconnecting'));
        // Published while disconnected: each waits for the connection and resolves once confirmed.
        const publishing = Promise.all([4, 5, 6, 7, 8].map((id) => bus.publish('execution.dispatch', { executionId: id, runtime: 'shell' })));
        releaseHeld(); // its ack has no channel left: the broker delivers 3 again
        await publishing;
        expect(messages).toContain('bus connection regained');
        await waitFor(() => [4, 5, 6, 7, 8].every((id) => handled.includes(id)) && handled.filter((id) => id === 3).length === 2);
        await waitFor(async () => (await queueDepths(vhost)).work === 0, 200);
        expect([...handled].sort((a, b) => a - b)).toEqual([1, 2, 3, 3, 4, 5, 6, 7, 8]);
      } finally {
        releaseHeld();
        await bus.close();
      }
    });

    it('retries a failing message, then keeps it in attune.dead and reports it', async () => {
      const pool = await vhosts();
      const { url, vhost } = await pool.create();
      const dead: DeadLetter[] = [];
      const bus = await AmqpBus.open({ url, log: pino({ level: 'silent' }), maxAttempts: 3, retryDelayMs: 5, onDeadLetter: (d) => dead.push(d) });
      const attempts: number[] = [];
      try {
        await bus.consume('failing', ['execution.cancel'], (d) => {
          attempts.push(d.attempt);
          return Promise.reject(new Error('always'));
        });
        await bus.publish('execution.cancel', { executionId: 9 });
        await waitFor(() => dead.length === 1);
        expect(attempts).toEqual([1, 2, 3]);
        expect(dead.map((d) => [d.queue, d.delivery.topic, d.delivery.body, d.delivery.attempt])).toEqual([['failing', 'execution.cancel', { executionId: 9 }, 3]]);
        await waitFor(async () => (await queueDepths(vhost))[DEAD_LETTER_QUEUE] === 1, 200);
      } finally {
        await bus.close();
      }
    });

    it('fails a publish with ERR_BUS_UNAVAILABLE when the broker stays away past the bound, and a first connection at once', async () => {
      const pool = await vhosts();
      const { url, vhost } = await pool.create();
      const { log, messages } = recordingLog();
      const bus = await AmqpBus.open({ url, log, publishTimeoutMs: 300 });
      try {
        // Without its vhost the broker refuses every reconnection.
        await pool.drop(vhost);
        await waitFor(() => messages.includes('bus connection lost: reconnecting'));
        const failure = await bus.publish('execution.requested', { executionId: 1 }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(AppError);
        expect((failure as AppError).code).toBe('ERR_BUS_UNAVAILABLE');
        const opening = await AmqpBus.open({ url, log, publishTimeoutMs: 300 }).catch((error: unknown) => error);
        expect((opening as AppError).code).toBe('ERR_BUS_UNAVAILABLE');
      } finally {
        await bus.close();
      }
    });
  });
}

let pool: TestVhosts | undefined;
describeEachAdapter(
  'RabbitMQ',
  [{ name: 'amqp', needs: ['TEST_AMQP_URL'], open: (env) => Promise.resolve((pool ??= new TestVhosts(env.TEST_AMQP_URL as string))), teardown: () => pool?.dropAll() ?? Promise.resolve() }],
  amqpSuite,
);
