import type { BuiltinAction } from './builtin-registry.js';

/** `core.noop`: does nothing and succeeds. */
export const noop: BuiltinAction = () => Promise.resolve({ data: {} });
