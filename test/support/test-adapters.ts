import { afterAll, it } from 'vitest';

/**
 * One contract suite, every adapter of a port (Kysely's `DIALECTS` in test-setup.ts is the
 * model). A port's contract test file lists its adapters; each states what it needs from the
 * environment (a server's URL), so adding an adapter is adding an entry.
 *
 * Which adapters run:
 * - `ATTUNE_TEST_ADAPTERS=sqlite,postgres` runs the named ones (names of other ports' adapters
 *   are for their suites); a named adapter whose needs are missing fails, it is not skipped.
 * - Unset, every adapter whose needs are met runs; the others are listed as skipped, by name and
 *   reason, except when `CI=true`: there a missing service fails the run (DESIGN §10).
 */
export interface TestAdapter<T> {
  readonly name: string;
  /** Environment variables the adapter cannot run without, e.g. `TEST_PG_URL`. */
  readonly needs: readonly string[];
  /** A fresh instance, with nothing left by an earlier test; `env` holds the values of `needs`. */
  open(env: Readonly<Record<string, string>>): Promise<T>;
  /** Runs once after the suite, to remove what the adapter's instances left (files, schemas). */
  teardown?(): Promise<void>;
}

export const ADAPTER_FILTER_VARIABLE = 'ATTUNE_TEST_ADAPTERS';

export type AdapterChoice<A> =
  | { readonly adapter: A; readonly verdict: 'run'; readonly env: Readonly<Record<string, string>> }
  | { readonly adapter: A; readonly verdict: 'skip' | 'fail'; readonly reason: string };

type Environment = Readonly<Record<string, string | undefined>>;

/** Decides, for each adapter, whether it runs here, is skipped, or must fail (see TestAdapter). */
export function chooseAdapters<A extends TestAdapter<unknown>>(adapters: readonly A[], env: Environment): readonly AdapterChoice<A>[] {
  const filter = env[ADAPTER_FILTER_VARIABLE]?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const named = filter !== undefined && filter.length > 0 ? new Set(filter) : undefined;
  return adapters.map((adapter): AdapterChoice<A> => {
    if (named !== undefined && !named.has(adapter.name)) {
      return { adapter, verdict: 'skip', reason: `not in ${ADAPTER_FILTER_VARIABLE}` };
    }
    const missing = adapter.needs.filter((name) => (env[name] ?? '') === '');
    if (missing.length === 0) {
      return { adapter, verdict: 'run', env: Object.fromEntries(adapter.needs.map((name) => [name, env[name] ?? ''])) };
    }
    const reason = `needs ${missing.join(', ')}`;
    if (named !== undefined) return { adapter, verdict: 'fail', reason: `${reason} (named in ${ADAPTER_FILTER_VARIABLE})` };
    return env.CI === 'true' ? { adapter, verdict: 'fail', reason: `${reason} (CI=true: every adapter must run)` } : { adapter, verdict: 'skip', reason };
  });
}

/**
 * Runs `suite` (which names its own describe block) once per adapter chosen to run, with a
 * function that opens a fresh instance. A skipped adapter shows as a skipped test naming why;
 * one that must run but cannot, as a failing test.
 */
export function describeEachAdapter<T>(
  port: string,
  adapters: readonly TestAdapter<T>[],
  suite: (name: string, open: () => Promise<T>) => void,
  env: Environment = process.env,
): void {
  for (const choice of chooseAdapters(adapters, env)) {
    const { adapter } = choice;
    const title = `${adapter.name} ${port} contract`;
    if (choice.verdict === 'run') {
      suite(adapter.name, () => adapter.open(choice.env));
      afterAll(() => adapter.teardown?.());
    } else if (choice.verdict === 'skip') {
      it.skip(`${title}: ${choice.reason}`, () => undefined);
    } else {
      it(`${title} runs here`, () => {
        throw new Error(`${title} cannot run: ${choice.reason}`);
      });
    }
  }
}
