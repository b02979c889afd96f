import type { BuiltinAction, BuiltinRegistry } from './builtin-registry.js';
import { httpRequest } from './http-request.js';
import { noop } from './noop.js';

/** The builtins the core pack refers to, keyed by entry point. */
export function createDefaultBuiltins(): BuiltinRegistry {
  return new Map<string, BuiltinAction>([
    ['noop', noop],
    ['http_request', httpRequest],
  ]);
}
