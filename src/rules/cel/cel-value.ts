/**
 * Conversions at the CEL boundary. JSON has one number type; CEL has `int` (BigInt here) and
 * `double` (number). Going in, JSON integers become ints and other numbers stay doubles, so
 * `event.payload.count + 1` is int arithmetic; mixed int/double arithmetic is handled by the
 * overloads in cel-environment.ts. Coming out, every value becomes plain JSON.
 */

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON value → CEL value: safe integers become BigInt, arrays and plain objects are walked. */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toCelValue(item)]));
  }
  return value;
}

function fromBigInt(value: bigint): number | string {
  // Beyond 2^53 a JSON number would silently lose digits, so the exact decimal string is kept.
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
}

function hasMethod(value: object, name: string): boolean {
  return typeof (value as Record<string, unknown>)[name] === 'function';
}

function fromCelObject(value: object): unknown {
  if (Array.isArray(value)) return value.map(fromCelValue);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  // Maps include the wrappers the library builds for schema variables (`event`, `rule`, `pack`).
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([key, item]: [unknown, unknown]) => [String(key), fromCelValue(item)]));
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromCelValue(item)]));
  }
  const primitive: unknown = value.valueOf();
  if (typeof primitive === 'bigint') return fromBigInt(primitive); // uint
  // Durations print as CEL writes them ("90s"); types as "Type<int>".
  return hasMethod(value, 'toString') ? String(value) : null;
}

/** CEL value → plain JSON value (see the module comment for the mapping). */
export function fromCelValue(value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return fromBigInt(value);
    case 'number':
      // JSON has no NaN or Infinity; a string keeps the result visible instead of turning it into null.
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      return value === null ? null : fromCelObject(value);
    case 'undefined':
      return null;
    default:
      return value;
  }
}

/** How a value reads inside a mixed template: strings as-is, everything else as JSON. */
export function stringifyCelValue(value: unknown): string {
  const json = fromCelValue(value);
  return typeof json === 'string' ? json : JSON.stringify(json);
}
