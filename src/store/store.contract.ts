import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { componentsContract } from './contract/components.contract.js';
import { implementedMethods, portMethods, recordCalls } from './contract/coverage.contract.js';
import { eventsContract } from './contract/events.contract.js';
import { executionsContract } from './contract/executions.contract.js';
import { inquiriesContract } from './contract/inquiries.contract.js';
import { identitiesContract } from './contract/identities.contract.js';
import { keysContract } from './contract/keys.contract.js';
import { workersContract } from './contract/workers.contract.js';
import { leasesContract } from './contract/leases.contract.js';
import { restoreContract } from './contract/restore.contract.js';
import { policiesContract } from './contract/policies.contract.js';
import { sensorReportsContract } from './contract/sensor-reports.contract.js';
import { workflowsContract } from './contract/workflows.contract.js';
import type { Store } from './store.js';

/**
 * Behaviour every Store adapter must show, each test on a fresh store from `openStore`.
 * store.contract.test.ts runs it once per adapter. Every method of the port must be called by
 * some test: the suite's last test fails, naming them, when one is not.
 */
export function describeStoreContract(name: string, openStore: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    const called = new Set<string>();
    let store: Store | undefined;
    const current = (): Store => {
      if (!store) throw new Error('no store is open');
      return store;
    };
    beforeEach(async () => {
      store = recordCalls(await openStore(), called);
    });
    afterEach(async () => {
      vi.useRealTimers();
      await store?.close();
      store = undefined;
    });

    describe('packs and their components', () => componentsContract(current));
    describe('events and enforcements', () => eventsContract(current));
    describe('executions', () => executionsContract(current));
    describe('identities, tokens and the audit log', () => identitiesContract(current));
    describe('keys', () => keysContract(current));
    describe('workflow states', () => workflowsContract(current));
    describe('workers', () => workersContract(current));
    describe('inquiries', () => inquiriesContract(current));
    describe('leases', () => leasesContract(current));
    describe('restoring records (import)', () => restoreContract(current));
    describe('policies', () => policiesContract(current));
    describe('sensor reports', () => sensorReportsContract(current));

    it('has a test for every method of the Store port', async () => {
      const port = portMethods();
      // Opened here, not through the recorder: the prototypes are the adapter's own objects.
      const adapter = await openStore();
      const implemented = implementedMethods(adapter);
      await adapter.close();
      const notInPort = implemented.filter((method) => !port.includes(method));
      expect({ notInPort, untested: port.filter((method) => !called.has(method)) }).toEqual({ notInPort: [], untested: [] });
    });

    afterAll(() => called.clear());
  });
}
