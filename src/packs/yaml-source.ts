import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';
import { findJsonProblem, jsonProblemSummary, MAX_JSON_DEPTH, type ValidationIssue } from '../domain/index.js';

/** A parsed YAML file that can map a data path back to a line and column. */
export interface YamlSource {
  /** Path relative to the pack directory, e.g. `actions/echo.yaml`. */
  readonly file: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

export interface ParsedYaml {
  readonly source: YamlSource;
  /** The document as plain data; undefined when the YAML itself is broken. */
  readonly data: unknown;
  readonly issues: readonly ValidationIssue[];
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

const START: Position = { line: 1, column: 1 };

/** More than this many problems in one file are summed up: a broken file must not flood the reply. */
export const MAX_ISSUES_PER_FILE = 50;

export function parseYaml(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseQuietly(text, lineCounter);
  const source: YamlSource = { file, doc, lineCounter };
  // The library reports a collection too deep for its recursive composer once per level
  // (RESOURCE_EXHAUSTION, a caught stack overflow): one problem, the depth limit, located
  // where the overflow began (somewhere inside the deep part).
  const exhausted = doc.errors.filter((error) => error.code === 'RESOURCE_EXHAUSTION').sort((a, b) => a.pos[0] - b.pos[0]);
  if (exhausted[0]) return { source, data: undefined, issues: [tooDeep(file, lineCounter.linePos(exhausted[0].pos[0]))] };
  // Only what will be listed is located (see capIssues); the rest only needs counting.
  const syntax = doc.errors.slice(0, MAX_ISSUES_PER_FILE + 1).map((error): ValidationIssue => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { file, line, column: col, field: '', message: `invalid YAML: ${error.message}` };
  });
  const issues = syntax.length > 0 ? syntax : duplicateKeyIssues(source);
  if (issues.length > 0) return { source, data: undefined, issues: capIssues(file, issues.sort(compareIssues)) };
  try {
    const data: unknown = doc.toJS({ maxAliasCount: 100 });
    return { source, data, issues: jsonLimitIssues(source, data) };
  } catch (error) {
    // toJS throws only for alias abuse (e.g. a "billion laughs" document); report it as the file's problem.
    const message = error instanceof Error ? error.message : String(error);
    return { source, data: undefined, issues: [{ file, ...START, field: '', message: `invalid YAML: ${message}` }] };
  }
}

/**
 * yaml's parseDocument, made cheaper for hostile input. Its own duplicate-key check compares each
 * key with every earlier one (1 MB of keys took a minute): duplicateKeyIssues does it in one pass.
 * It builds an Error per problem, and on a broken file capturing their stack traces was half the
 * parse; we never show those stacks, and the parse is synchronous, so nothing else sees the
 * lowered limit.
 */
function parseQuietly(text: string, lineCounter: LineCounter): Document {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } finally {
    Error.stackTraceLimit = saved;
  }
}

/** A key repeated in one mapping, reported at the repetition as yaml itself words it. */
function duplicateKeyIssues(source: YamlSource): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  visit(source.doc, {
    Map(_key, map) {
      // Scalar keys compare by value, as yaml's check does; other keys (rare) never collide.
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          const at = positionOf(source, pair.key) ?? START;
          issues.push({ file: source.file, ...at, field: '', message: 'invalid YAML: Map keys must be unique' });
        }
        seen.add(pair.key.value);
      }
    },
  });
  return issues;
}

/** The first MAX_ISSUES_PER_FILE issues, then one saying that there are more. */
export function capIssues(file: string, issues: readonly ValidationIssue[]): ValidationIssue[] {
  if (issues.length <= MAX_ISSUES_PER_FILE) return [...issues];
  const last = issues[MAX_ISSUES_PER_FILE - 1];
  const message = `more problems in this file are not listed (only the first ${MAX_ISSUES_PER_FILE} are)`;
  return [...issues.slice(0, MAX_ISSUES_PER_FILE), { file, line: last?.line ?? 1, column: last?.column ?? 1, field: '', message }];
}

function tooDeep(file: string, pos: { line: number; col: number } | undefined): ValidationIssue {
  return { file, ...(pos ? { line: pos.line, column: pos.col } : START), field: '', message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
}

/** The JSON limits every value entering Attune is held to (domain/json-limits.ts), located in the file. */
function jsonLimitIssues(source: YamlSource, data: unknown): ValidationIssue[] {
  const problem = findJsonProblem(data);
  if (!problem) return [];
  // A too-deep path is as long as the limit: the top-level key locates it well enough.
  const segments = problem.kind === 'too_deep' ? problem.path.slice(0, 1) : problem.path;
  return [issueAt(source, segments, jsonProblemSummary(problem))];
}

interface Found {
  readonly node: Node | null;
  /** The pair holding the last segment that was found, when the parent was a mapping. */
  readonly pair: Pair | undefined;
  readonly complete: boolean;
}

/** Walks the YAML tree along data path segments as far as it exists. */
function walk(doc: Document, segments: readonly string[]): Found {
  let node = doc.contents as Node | null;
  let pair: Pair | undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const next = node.items.find((item) => isPair(item) && keyText(item.key) === segment);
      if (!next) return { node, pair, complete: false };
      pair = next;
      node = (next.value as Node | null) ?? null;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) return { node, pair, complete: false };
      pair = undefined;
      node = item;
    } else {
      return { node, pair, complete: false };
    }
  }
  return { node, pair, complete: true };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function positionOf(source: YamlSource, node: unknown): Position | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  const { line, col } = source.lineCounter.linePos(range[0]);
  return { line, column: col };
}

/**
 * Position of the value at `segments`; when that value is missing (or is an empty value), the
 * key or the nearest enclosing node that exists.
 */
export function locateValue(source: YamlSource, segments: readonly string[]): Position {
  const found = walk(source.doc, segments);
  const value = found.complete ? positionOf(source, found.node) : undefined;
  const isEmpty = isScalar(found.node) && found.node.value === null && found.pair !== undefined;
  if (value && !isEmpty) return value;
  return positionOf(source, found.pair?.key) ?? positionOf(source, found.node) ?? START;
}

/** Position of the key `key` inside the mapping at `segments` (for unknown or bad keys). */
export function locateKey(source: YamlSource, segments: readonly string[], key: string): Position {
  const found = walk(source.doc, [...segments, key]);
  if (found.complete && found.pair) return positionOf(source, found.pair.key) ?? START;
  return locateValue(source, segments);
}

/** Joins data path segments into the dotted field name used in issues (`parameters.count.type`). */
export function fieldName(segments: readonly string[]): string {
  return segments.join('.');
}

export function issueAt(source: YamlSource, segments: readonly string[], message: string): ValidationIssue {
  return { file: source.file, ...locateValue(source, segments), field: fieldName(segments), message };
}

/** Orders one file's issues by position, so they read top to bottom. */
export function compareIssues(a: ValidationIssue, b: ValidationIssue): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
