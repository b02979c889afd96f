import type { FlatSchema } from '../domain/index.js';
import type { SecretBox } from '../secrets/index.js';

/** `{{ pack.config.token }}`: one template holding nothing but a path of names (and list indexes). */
const REFERENCE = /^\{\{\s*[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*\s*\}\}$/;

/**
 * True for a rule value that only says where a value comes from (`{{ pack.config.token }}`,
 * `{{ event.payload.key }}`): it holds no secret itself, so it is stored and shown as written,
 * and the value it names is sealed when the execution is requested. Anything else given for a
 * secret parameter — a literal, a mixed string, an expression with literals in it — may hold a
 * secret, so it is sealed.
 */
export function isTemplateReference(value: unknown): boolean {
  return typeof value === 'string' && REFERENCE.test(value.trim());
}

/**
 * A rule's action_params ready to store: every value for a parameter the action marks secret
 * sealed, except references. `previous` (the stored params) keeps unchanged secrets as they
 * were, so re-registering an unchanged pack leaves its rules untouched.
 */
export function sealActionParams(
  secrets: SecretBox,
  schema: FlatSchema,
  params: Readonly<Record<string, unknown>>,
  previous?: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return secrets.sealParameters(schema, params, { isReference: isTemplateReference, ...(previous ? { previous } : {}) });
}
