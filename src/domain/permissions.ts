/**
 * What an identity may do (DESIGN §7, "Security and ingress"): permission sets hold grants
 * `{resource, actions}`; an identity holds permission sets. Every API route names the one
 * (resource, action) it needs; `allows` is the only place that decides.
 */
export const RESOURCES = [
  'packs',
  'actions',
  'executions',
  'rules',
  'triggers',
  'sensors',
  'events',
  'enforcements',
  'keys',
  'identities',
  'permission_sets',
  'tokens',
  'audit',
  'workers',
  'inquiries',
] as const;
export type Resource = (typeof RESOURCES)[number];

export const PERMISSION_ACTIONS = ['read', 'create', 'update', 'delete', 'execute', 'cancel', 'decrypt', 'respond'] as const;
export type PermissionAction = (typeof PERMISSION_ACTIONS)[number];

/** `*` stands for every resource, or every action. */
export interface Grant {
  readonly resource: Resource | '*';
  readonly actions: readonly (PermissionAction | '*')[];
}

/** What a route needs: one action on one resource. */
export interface Permission {
  readonly resource: Resource;
  readonly action: PermissionAction;
}

export const BUILTIN_PERMISSION_SETS = ['admin', 'editor', 'executor', 'viewer', 'key_creator', 'sensor'] as const;
export type BuiltinPermissionSet = (typeof BUILTIN_PERMISSION_SETS)[number];

/** What an operator sees of the automation: packs, rules, runs and the events behind them. */
const AUTOMATION: readonly Resource[] = ['packs', 'actions', 'executions', 'rules', 'triggers', 'sensors', 'events', 'enforcements', 'workers', 'inquiries'];
const readAll = (resources: readonly Resource[]): Grant[] => resources.map((resource) => ({ resource, actions: ['read'] }));

interface BuiltinSet {
  readonly description: string;
  readonly grants: readonly Grant[];
}

/**
 * The built-in permission sets. Posting events is reserved to admins and to sensor and
 * execution tokens: an event can run any rule's action, so it is a machine's privilege.
 */
export const BUILTIN_SETS = {
  admin: { description: 'Everything, including identities, permissions, tokens and the audit log.', grants: [{ resource: '*', actions: ['*'] }] },
  editor: {
    description: 'Changes the automation: registers packs, writes rules and keys, runs and cancels actions.',
    grants: [
      ...readAll(AUTOMATION),
      { resource: 'packs', actions: ['read', 'create', 'update', 'delete'] },
      { resource: 'rules', actions: ['read', 'create', 'update', 'delete'] },
      { resource: 'actions', actions: ['read', 'execute'] },
      { resource: 'executions', actions: ['read', 'cancel'] },
      { resource: 'keys', actions: ['read', 'create', 'update', 'delete'] },
      { resource: 'inquiries', actions: ['read', 'respond'] },
    ],
  },
  executor: {
    description: 'Runs actions and cancels executions; reads the automation.',
    grants: [...readAll(AUTOMATION), { resource: 'actions', actions: ['read', 'execute'] }, { resource: 'executions', actions: ['read', 'cancel'] }],
  },
  viewer: { description: 'Reads the automation: packs, rules, executions, events; never key values.', grants: readAll(AUTOMATION) },
  key_creator: { description: 'Creates and lists keys (for scripts that store credentials); cannot read their values.', grants: [{ resource: 'keys', actions: ['read', 'create', 'update'] }] },
  sensor: {
    description: 'What a sensor needs: post events, read the rules and triggers it serves, follow the live stream.',
    grants: [{ resource: 'events', actions: ['create', 'read'] }, ...readAll(['rules', 'triggers', 'sensors'])],
  },
} as const satisfies Record<BuiltinPermissionSet, BuiltinSet>;

export function isBuiltinPermissionSet(ref: string): ref is BuiltinPermissionSet {
  return (BUILTIN_PERMISSION_SETS as readonly string[]).includes(ref);
}

export function isResource(value: unknown): value is Resource {
  return typeof value === 'string' && (RESOURCES as readonly string[]).includes(value);
}

export function isPermissionAction(value: unknown): value is PermissionAction {
  return typeof value === 'string' && (PERMISSION_ACTIONS as readonly string[]).includes(value);
}

/** True when one of the grants covers `action` on `resource`. */
export function allows(grants: readonly Grant[], needed: Permission): boolean {
  return grants.some(
    (grant) => (grant.resource === '*' || grant.resource === needed.resource) && grant.actions.some((a) => a === '*' || a === needed.action),
  );
}

export function formatPermission(permission: Permission): string {
  return `${permission.resource}:${permission.action}`;
}
