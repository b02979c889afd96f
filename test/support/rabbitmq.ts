import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs rabbitmqctl (on this machine: the broker of TEST_AMQP_URL) and returns its output. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/**
 * Fresh RabbitMQ vhosts for tests on the broker of `TEST_AMQP_URL`: `create()` adds
 * `attune_test_<random>`, lets the URL's user use it, and returns the URL pointing at it;
 * `dropAll()` deletes every vhost it made, with their queues and exchanges.
 */
export class TestVhosts {
  readonly #url: URL;
  readonly #created: string[] = [];

  constructor(url: string) {
    this.#url = new URL(url);
  }

  async create(): Promise<{ url: string; vhost: string }> {
    const vhost = `attune_test_${randomBytes(6).toString('hex')}`;
    await rabbitmqctl('add_vhost', vhost);
    this.#created.push(vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, decodeURIComponent(this.#url.username || 'guest'), '.*', '.*', '.*');
    const url = new URL(this.#url.toString());
    url.pathname = `/${encodeURIComponent(vhost)}`;
    return { url: url.toString(), vhost };
  }

  /** Deletes one vhost now (its connections are closed and refused from then on). */
  async drop(vhost: string): Promise<void> {
    const at = this.#created.indexOf(vhost);
    if (at >= 0) this.#created.splice(at, 1);
    await deleteVhost(vhost);
  }

  async dropAll(): Promise<void> {
    for (const vhost of this.#created.splice(0)) await rabbitmqctl('delete_vhost', vhost);
  }
}

/** Deletes `vhost` with its queues and exchanges. */
export async function deleteVhost(vhost: string): Promise<void> {
  await rabbitmqctl('delete_vhost', vhost);
}

/** Closes every client connection to `vhost` from the broker's side, as a broker restart would. */
export async function closeConnections(vhost: string): Promise<void> {
  await rabbitmqctl('close_all_connections', '-p', vhost, 'attune test: connection dropped');
}

/** Messages in each queue of `vhost` (ready + unacknowledged). */
export async function queueDepths(vhost: string): Promise<Record<string, number>> {
  const out = await rabbitmqctl('list_queues', '-p', vhost, '--no-table-headers', 'name', 'messages');
  const depths: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const [name, messages] = line.trim().split(/\s+/);
    if (name && messages !== undefined) depths[name] = Number(messages);
  }
  return depths;
}
