import { vi } from 'vitest';
import type { PackMeta } from '../../domain/index.js';
import type { Store } from '../store.js';
import type { ActionInput, RuleInput, SensorInput, TriggerInput } from '../store-types.js';

/** The store a contract test works on: a fresh one per test, opened by the adapter under test. */
export type CurrentStore = () => Store;

export const META: PackMeta = { ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} };

export function packMeta(ref: string): PackMeta {
  return { ...META, ref, label: ref };
}

export function action(ref: string, description = '', packRef = 'demo'): ActionInput {
  return {
    ref,
    packRef,
    label: ref,
    description,
    runnerType: 'shell',
    entryPoint: 'x.sh',
    parameters: {},
    output: {},
    parameterDelivery: 'stdin',
    parameterFormat: 'json',
    outputFormat: 'text',
    timeoutSeconds: 60,
    maxRetries: 0,
    apiAccess: false,
    permissionSet: null,
    workflow: null,
  };
}

export function rule(ref: string, overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    ref,
    packRef: 'demo',
    label: ref,
    description: '',
    triggerRef: 'core.webhook',
    triggerParams: {},
    conditions: [],
    actionRef: 'demo.a',
    actionParams: {},
    enabled: true,
    origin: 'pack',
    permissionSet: null,
    ...overrides,
  };
}

export function trigger(ref: string, overrides: Partial<TriggerInput> = {}): TriggerInput {
  return {
    ref,
    packRef: 'demo',
    label: ref,
    description: '',
    type: 'webhook',
    parameters: { url: { type: 'string', required: true } },
    output: { body: { type: 'object' } },
    ...overrides,
  };
}

export function sensor(ref: string, overrides: Partial<SensorInput> = {}): SensorInput {
  return {
    ref,
    packRef: 'demo',
    label: ref,
    description: '',
    runnerType: 'node',
    entryPoint: 'sensor.js',
    triggerTypes: ['demo.t'],
    parameters: {},
    enabled: true,
    liveUpdates: false,
    ...overrides,
  };
}

/** The refs of a list, in the order the store gave them. */
export function refs(items: readonly { readonly ref: string }[]): string[] {
  return items.map((item) => item.ref);
}

/**
 * Sets the clock the store stamps rows with. Only `Date` is faked: timers and I/O run as
 * usual, so a driver's own scheduling is untouched. The suite restores the real clock after
 * each test.
 */
export function setClock(iso: string): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(iso));
}
