import { type FlatSchema, REDACTED } from '../domain/index.js';
import { isSealed, redactSecrets } from '../secrets/index.js';

/**
 * Stored values as the API shows them: each one the schema marks secret as `********`, never its
 * value (sealed or not). Without a schema (the action was removed since) nothing says what is
 * secret, so whatever was stored sealed stays masked.
 */
export function redactStored(
  schema: FlatSchema | undefined,
  values: Readonly<Record<string, unknown>>,
  isReference?: (value: unknown) => boolean,
): Record<string, unknown> {
  if (schema) return redactSecrets(schema, values, isReference);
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, isSealed(value) ? REDACTED : value]));
}
