import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { AppError, findJsonProblem, jsonProblemError } from '../domain/index.js';

/**
 * Inputs are taken exactly or refused, never guessed at:
 * - query parameters a route does not know are refused (`/enforcements?event_id=5` would
 *   otherwise list everything, as if the filter had applied);
 * - integers in paths and query strings are decimal digits: the validator's coercion alone
 *   would read `1e3` as 1000 and `0x10` as 16;
 * - JSON bodies nested deeper than MAX_JSON_DEPTH or holding non-finite numbers are refused;
 * - JSON bodies with a `__proto__` key (or `constructor.prototype`) are refused by name; such
 *   a key could change an object's prototype wherever the body is merged into another object.
 */
export function installStrictInputs(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addHook('onRoute', (route) => {
    if (!/^\/(api|auth)\//.test(route.url)) return;
    refuseUnknownQueryParameters(route);
    const integers = integerFields(route);
    if (integers.length > 0) route.preValidation = [...asArray(route.preValidation), (request, _reply, done) => done(checkDecimal(request, integers))];
  });
}

/** A JSON body as sent; an empty body, invalid JSON or a prototype key is a 400 that says which. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new AppError('ERR_BAD_JSON', 'the request body is empty: send a JSON document (at least {})');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new AppError('ERR_BAD_JSON', `the request body is not valid JSON: ${(error as Error).message}`);
  }
  // Before anything walks the value: no route ever sees a body deeper than MAX_JSON_DEPTH or
  // holding a number JSON cannot store (see domain/json-limits.ts).
  const problem = findJsonProblem(value);
  if (problem) throw jsonProblemError(problem, 'body');
  const forbidden = findPrototypeKey(value);
  if (forbidden !== undefined) {
    const field = `body${forbidden}`;
    throw new AppError('ERR_VALIDATION', `${field} is not accepted: keys named __proto__ (or constructor.prototype) are refused`, {
      details: [{ field, message: 'is not accepted' }],
    });
  }
  return value;
}

/** The path (`.a.__proto__`) of the first prototype key in a parsed JSON value; iterative, so deep nesting cannot overflow. */
function findPrototypeKey(root: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (Object.hasOwn(value, '__proto__')) return `${path}.__proto__`;
    const constructor: unknown = Object.hasOwn(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
    if (typeof constructor === 'object' && constructor !== null && Object.hasOwn(constructor, 'prototype')) return `${path}.constructor.prototype`;
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}` });
  }
  return undefined;
}

interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, { type?: unknown }>;
  additionalProperties?: unknown;
}

function refuseUnknownQueryParameters(route: RouteOptions): void {
  const schema = (route.schema ??= {});
  const query = schema.querystring as ObjectSchema | undefined;
  if (query === undefined) schema.querystring = { type: 'object', properties: {}, additionalProperties: false };
  else if (query.additionalProperties === undefined) schema.querystring = { ...query, additionalProperties: false };
}

interface IntegerField {
  readonly part: 'params' | 'querystring';
  readonly name: string;
}

function integerFields(route: RouteOptions): IntegerField[] {
  const fields: IntegerField[] = [];
  for (const part of ['params', 'querystring'] as const) {
    const properties = (route.schema?.[part] as ObjectSchema | undefined)?.properties ?? {};
    for (const [name, property] of Object.entries(properties)) if (property.type === 'integer') fields.push({ part, name });
  }
  return fields;
}

const DECIMAL = /^-?\d+$/;

function checkDecimal(request: FastifyRequest, fields: readonly IntegerField[]): AppError | undefined {
  const details = fields.flatMap(({ part, name }) => {
    const source = (part === 'params' ? request.params : request.query) as Record<string, unknown> | undefined;
    const raw = source?.[name];
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const isDecimal = values.every((value) => value === undefined || (typeof value === 'string' && DECIMAL.test(value)));
    return isDecimal ? [] : [{ field: `${part}.${name}`, message: 'must be a whole number in decimal digits' }];
  });
  const [first] = details;
  return first === undefined ? undefined : new AppError('ERR_VALIDATION', `${first.field} ${first.message}`, { details });
}

function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}
