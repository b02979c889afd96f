import { describe, expect, it } from 'vitest';
import { BUILTIN_SETS, RESOURCES, allows } from './permissions.js';

describe('allows', () => {
  it('grants what a grant names, and nothing else', () => {
    const grants = [{ resource: 'rules', actions: ['read', 'update'] }] as const;
    expect(allows(grants, { resource: 'rules', action: 'read' })).toBe(true);
    expect(allows(grants, { resource: 'rules', action: 'update' })).toBe(true);
    expect(allows(grants, { resource: 'rules', action: 'delete' })).toBe(false);
    expect(allows(grants, { resource: 'packs', action: 'read' })).toBe(false);
    expect(allows([], { resource: 'packs', action: 'read' })).toBe(false);
  });

  it('reads * as every resource or every action', () => {
    expect(allows([{ resource: '*', actions: ['read'] }], { resource: 'audit', action: 'read' })).toBe(true);
    expect(allows([{ resource: '*', actions: ['read'] }], { resource: 'audit', action: 'delete' })).toBe(false);
    expect(allows([{ resource: 'keys', actions: ['*'] }], { resource: 'keys', action: 'decrypt' })).toBe(true);
    expect(allows([{ resource: 'keys', actions: ['*'] }], { resource: 'tokens', action: 'read' })).toBe(false);
  });
});

describe('built-in permission sets', () => {
  const can = (set: keyof typeof BUILTIN_SETS, resource: (typeof RESOURCES)[number], action: 'read' | 'create' | 'execute' | 'decrypt' | 'delete') =>
    allows(BUILTIN_SETS[set].grants, { resource, action });

  it('lets only admin, sensors (and execution tokens) post events', () => {
    expect(can('admin', 'events', 'create')).toBe(true);
    expect(can('sensor', 'events', 'create')).toBe(true);
    for (const set of ['editor', 'executor', 'viewer', 'key_creator'] as const) expect(can(set, 'events', 'create')).toBe(false);
  });

  it('lets no built-in set but admin read key values or manage identities', () => {
    for (const set of ['editor', 'executor', 'viewer', 'key_creator', 'sensor'] as const) {
      expect(can(set, 'keys', 'decrypt')).toBe(false);
      expect(can(set, 'identities', 'create')).toBe(false);
      expect(can(set, 'audit', 'read')).toBe(false);
    }
    expect(can('admin', 'keys', 'decrypt')).toBe(true);
  });

  it('separates viewing, running and editing', () => {
    expect([can('viewer', 'executions', 'read'), can('viewer', 'actions', 'execute'), can('viewer', 'rules', 'delete')]).toEqual([true, false, false]);
    expect([can('executor', 'actions', 'execute'), can('executor', 'rules', 'delete')]).toEqual([true, false]);
    expect([can('editor', 'rules', 'delete'), can('editor', 'packs', 'create'), can('editor', 'keys', 'create')]).toEqual([true, true, true]);
    expect([can('key_creator', 'keys', 'create'), can('key_creator', 'executions', 'read')]).toEqual([true, false]);
  });
});
