import { describeJsonProblem, findJsonProblem } from '../domain/index.js';
import type { SensorEmission } from './sensor-types.js';

/** Characters of a rejected line quoted in the log. */
const QUOTE_CHARS = 200;

export type ParsedSensorLine =
  | { readonly kind: 'emission'; readonly emission: SensorEmission }
  | { readonly kind: 'blank' }
  | { readonly kind: 'rejected'; readonly reason: string };

/** What a line is checked against: the triggers the sensor serves and the current rule ids. */
export interface SensorLineContext {
  readonly triggerTypes: ReadonlySet<string>;
  readonly instanceIds: ReadonlySet<number>;
}

/**
 * Parses one stdout line of the subprocess protocol (DESIGN §4): a JSON object with a string
 * `trigger_ref` the sensor serves, an optional `trigger_instance_id` naming a current rule,
 * and a payload that is `payload` when present, else the whole object. A line nested deeper
 * than MAX_JSON_DEPTH, or holding a number JSON cannot store (`1e400`), is rejected rather
 * than stored changed. Rejections carry a reason fit for the sensor's log; the sensor keeps
 * running either way.
 */
export function parseSensorLine(line: string, ctx: SensorLineContext): ParsedSensorLine {
  // Blank lines (e.g. a trailing newline printed twice) carry nothing and are not worth a warning.
  if (line.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // Not JSON: reported as a rejection, which is the protocol's answer to a malformed line.
    return reject('not JSON', line);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject('not a JSON object', line);
  // Checked on the whole line: the same limits as every other door (domain/json-limits.ts).
  const problem = findJsonProblem(value);
  if (problem) return reject(describeJsonProblem(problem, 'the line'), line);
  const obj = value as Record<string, unknown>;
  const triggerRef = obj.trigger_ref;
  if (typeof triggerRef !== 'string') return reject('missing trigger_ref', line);
  if (!ctx.triggerTypes.has(triggerRef)) return reject(`trigger ${triggerRef} is not served by this sensor`, line);
  const instanceId = obj.trigger_instance_id ?? null;
  if (instanceId !== null) {
    if (typeof instanceId !== 'number' || !Number.isInteger(instanceId)) return reject('trigger_instance_id is not an integer', line);
    // Often a late fire of a rule that was just disabled or deleted: dropping it is correct.
    if (!ctx.instanceIds.has(instanceId)) return reject(`trigger_instance_id ${instanceId} is not a current trigger instance`, line);
  }
  const payload = Object.hasOwn(obj, 'payload') ? obj.payload : obj;
  return { kind: 'emission', emission: { triggerRef, triggerInstanceId: instanceId, payload } };
}

/** Quotes the start of a line for a log message. */
export function quoteLine(line: string): string {
  return line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line;
}

function reject(reason: string, line: string): ParsedSensorLine {
  return { kind: 'rejected', reason: `${reason}: ${quoteLine(line)}` };
}
