import type { Repositories, Store } from '../store.js';

type MethodsOf<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;
type RepositoryName = keyof Repositories;

/**
 * Every method of the Store port. The type makes this list complete: a method added to a
 * repository interface and not here fails the type check, and the contract suite fails until a
 * test calls it (see recordCalls).
 */
const PORT_METHODS: { readonly [R in RepositoryName]: Readonly<Record<MethodsOf<Repositories[R]>, true>> } & {
  readonly store: Readonly<Record<Exclude<MethodsOf<Store>, RepositoryName>, true>>;
} = {
  store: { transaction: true, close: true },
  packs: { findByRef: true, list: true, listAll: true, upsert: true, deleteByRef: true },
  actions: { findByRef: true, list: true, listRefs: true, replaceForPack: true },
  triggers: {
    findByRef: true,
    list: true,
    listAll: true,
    replaceForPack: true,
    findSensorByRef: true,
    listSensors: true,
    replaceSensorsForPack: true,
  },
  rules: {
    findByRef: true,
    list: true,
    listEnabled: true,
    create: true,
    update: true,
    setEnabled: true,
    deleteByRef: true,
    replaceForPack: true,
  },
  events: {
    create: true,
    createMany: true,
    get: true,
    getMany: true,
    list: true,
    existsFor: true,
    markProcessed: true,
    markProcessedMany: true,
    claimUnprocessed: true,
    createEnforcement: true,
    createEnforcements: true,
    linkExecution: true,
    linkExecutions: true,
    listEnforcements: true,
    outcome: true,
  },
  policies: { list: true, forAction: true, listActionRefs: true, executionsOf: true, startedSince: true, replaceForPack: true },
  executions: {
    create: true,
    createMany: true,
    get: true,
    getMany: true,
    list: true,
    listSummaries: true,
    transition: true,
    transitionMany: true,
    recordProcess: true,
    claimStale: true,
    findByStatus: true,
    findOfGoneWorkers: true,
    listTaskItems: true,
  },
  identities: {
    create: true,
    get: true,
    findByLogin: true,
    findCredentials: true,
    list: true,
    count: true,
    setPassword: true,
    setDisabled: true,
    delete: true,
    grant: true,
    revoke: true,
  },
  permissionSets: { findByRef: true, listAll: true, create: true, update: true, delete: true, syncBuiltins: true, grantsOf: true },
  apiTokens: { create: true, get: true, findByHash: true, list: true, revoke: true, revokeForExecution: true, touch: true, purge: true, listStored: true },
  audit: { append: true, list: true },
  keys: { get: true, put: true, delete: true, list: true, listValues: true },
  workflows: { create: true, get: true, update: true, findDue: true, findStale: true },
  workers: { register: true, heartbeat: true, markStopped: true, markDead: true, list: true, purge: true },
  inquiries: { create: true, get: true, findByExecution: true, list: true, settle: true, findDue: true },
  leases: { acquire: true, renew: true, release: true, get: true },
  sensorReports: { saveStatus: true, saveLogs: true, get: true, list: true, logsOf: true },
  restore: { isEmpty: true, insert: true, syncIdSequences: true },
};

const REPOSITORY_NAMES = Object.keys(PORT_METHODS).filter((name): name is RepositoryName => name !== 'store');

/** `repository.method` for every method of the port. */
export function portMethods(): string[] {
  return Object.entries(PORT_METHODS).flatMap(([owner, methods]) => Object.keys(methods).map((method) => `${owner}.${method}`));
}

/**
 * The public methods the adapter's objects have, read from their prototypes: a method an
 * implementation adds without adding it to the port shows up here, so the port and the suite
 * grow with it.
 */
export function implementedMethods(store: Store): string[] {
  const owners: [string, object][] = [['store', store], ...REPOSITORY_NAMES.map((name): [string, object] => [name, store[name]])];
  return owners.flatMap(([owner, target]) => publicMethodsOf(target).map((method) => `${owner}.${method}`));
}

function publicMethodsOf(target: object): string[] {
  const names = new Set<string>();
  for (let proto: object | null = Object.getPrototypeOf(target) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name !== 'constructor' && typeof descriptor?.value === 'function') names.add(name);
    }
  }
  return [...names];
}

/**
 * The store seen through the port only, noting each method called (`repository.method`) in
 * `called`, inside transactions too. The suite compares `called` with `portMethods()` at its end.
 */
export function recordCalls(store: Store, called: Set<string>): Store {
  return {
    ...repositoriesOf(store, called),
    transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      called.add('store.transaction');
      return store.transaction((tx) => work(repositoriesOf(tx, called)));
    },
    close(): Promise<void> {
      called.add('store.close');
      return store.close();
    },
  };
}

function repositoriesOf(repositories: Repositories, called: Set<string>): Repositories {
  const entries = REPOSITORY_NAMES.map((name) => [name, recording(name, repositories[name], called)]);
  // Each recording object has exactly the port's methods of its repository, calling through.
  return Object.fromEntries(entries) as unknown as Repositories;
}

type Method = (...args: unknown[]) => unknown;

function recording(owner: RepositoryName, target: object, called: Set<string>): Record<string, Method> {
  return Object.fromEntries(
    Object.keys(PORT_METHODS[owner]).map((name) => {
      const method = (target as Record<string, unknown>)[name];
      if (typeof method !== 'function') throw new Error(`${owner}.${name} is missing from the store under test`);
      const call: Method = (...args) => {
        called.add(`${owner}.${name}`);
        return (method as Method).apply(target, args);
      };
      return [name, call];
    }),
  );
}
