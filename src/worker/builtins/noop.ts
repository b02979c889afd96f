import { type BuiltinAction, pureBuiltin } from './builtin-registry.js';

/** `core.noop`: does nothing and succeeds. */
export const noop: BuiltinAction = pureBuiltin(() => Promise.resolve({ data: {} }));
