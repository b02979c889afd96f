import { AppError } from './errors.js';

/**
 * The deepest nesting of arrays and objects Attune accepts in any JSON value that comes in:
 * API bodies (webhooks and `POST /events` included), sensor stdout lines, values in pack files,
 * rendered action parameters and parsed action output. `{}` and `[]` are depth 1, `{"a": []}`
 * depth 2; scalars add nothing.
 *
 * Why 128: every later stage walks values recursively and overflows the stack somewhere
 * between ~1,200 levels (YAML parsing and printing) and ~4,100 (JSON.stringify, the store);
 * converting a payload to CEL fails from ~2,000, rendering a template from ~1,700. 128 keeps
 * a tenfold margin below the weakest stage, while real payloads rarely nest past 20 (a
 * webhook wraps the body two levels down, which stays far inside that margin).
 */
export const MAX_JSON_DEPTH = 128;

/** What is wrong with a value, and where: `path` are the keys and indexes from the root. */
export type JsonProblem =
  | { readonly kind: 'too_deep'; readonly path: readonly string[] }
  | { readonly kind: 'non_finite_number'; readonly path: readonly string[] };

interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly key: string;
}

function pathOf(frame: Frame | undefined, last?: string): string[] {
  const path: string[] = last === undefined ? [] : [last];
  for (let at = frame; at?.parent !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The first problem found in a parsed JSON (or YAML) value: nesting deeper than `maxDepth`, or
 * a number that is not finite (`1e400` parses as Infinity, which JSON cannot store: it would
 * silently become null). Iterative, so any depth is checked without recursion.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { kind: 'non_finite_number', path: [] };
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Frame[] = [{ value, depth: 1, parent: undefined, key: '' }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > maxDepth) return { kind: 'too_deep', path: pathOf(frame) };
    for (const [key, child] of Object.entries(frame.value)) {
      if (typeof child === 'number' && !Number.isFinite(child)) return { kind: 'non_finite_number', path: pathOf(frame, key) };
      if (child !== null && typeof child === 'object') stack.push({ value: child as object, depth: frame.depth + 1, parent: frame, key });
    }
  }
  return undefined;
}

/** `payload.items[3]`-style text for a path, for messages (a too-deep path is shortened). */
export function formatJsonPath(root: string, path: readonly string[]): string {
  const shown = path.length > 8 ? [...path.slice(0, 4), '…', ...path.slice(-2)] : path;
  return shown.reduce((text, key) => (/^\d+$/.test(key) ? `${text}[${key}]` : `${text}.${key}`), root);
}

/** What is wrong, as the end of a sentence about the value: `nests deeper than 128 levels`. */
export function jsonProblemSummary(problem: JsonProblem): string {
  return problem.kind === 'too_deep' ? `nests deeper than ${MAX_JSON_DEPTH} levels` : 'is not a finite number (JSON cannot store it)';
}

/** One line for a problem, naming the value (`root`: `body`, `parameters`, `output`…). */
export function describeJsonProblem(problem: JsonProblem, root: string): string {
  const where = problem.kind === 'too_deep' ? root : formatJsonPath(root, problem.path);
  return `${where} ${jsonProblemSummary(problem)}`;
}

/** The AppError for a problem: ERR_JSON_TOO_DEEP or ERR_JSON_NUMBER_OUT_OF_RANGE. */
export function jsonProblemError(problem: JsonProblem, root: string): AppError {
  const code = problem.kind === 'too_deep' ? 'ERR_JSON_TOO_DEEP' : 'ERR_JSON_NUMBER_OUT_OF_RANGE';
  return new AppError(code, describeJsonProblem(problem, root));
}

/** Throws ERR_JSON_TOO_DEEP or ERR_JSON_NUMBER_OUT_OF_RANGE when `value` does not fit. */
export function assertJsonFits(value: unknown, root: string): void {
  const problem = findJsonProblem(value);
  if (problem) throw jsonProblemError(problem, root);
}
