import { readFile } from 'node:fs/promises';
import type { Document, LineCounter, Node } from 'yaml';
import { AppError } from '../domain/index.js';

/** The body of `POST /api/v1/rules`: the keys of a pack's rules/*.yaml, with `ref` resolved. */
export interface RuleBody {
  readonly ref: string;
  readonly label?: string;
  readonly description?: string;
  readonly trigger_ref: string;
  readonly trigger_params?: Readonly<Record<string, unknown>>;
  readonly conditions?: string | readonly string[];
  readonly action_ref: string;
  readonly action_params?: Readonly<Record<string, unknown>>;
  readonly enabled?: boolean;
  readonly permission_set?: string | null;
}

export interface RuleFileOptions {
  /** Completes a file that has `name` but no `ref` (as in a pack's rules/*.yaml) to `<pack>.<name>`. */
  readonly pack?: string;
}

/** The keys a rule file may have, in the order the error message lists them. */
const RULE_KEYS = [
  'ref',
  'name',
  'label',
  'description',
  'trigger_ref',
  'trigger_params',
  'conditions',
  'action_ref',
  'action_params',
  'enabled',
  'permission_set',
] as const;

/** What a reader of "-" gets; a parameter so tests need no real stdin. */
export type ReadStdin = () => Promise<string>;

/**
 * Reads a rule file (or stdin for "-") for `attune rule create`. Problems the CLI can see on
 * its own (YAML syntax, unknown keys, a missing ref) are ERR_CLI_USAGE naming file:line:col;
 * everything else (types, CEL, unknown trigger) is left to the API, which checks rules whole.
 */
export async function readRuleFile(file: string, options: RuleFileOptions = {}, readStdin: ReadStdin = readAllStdin): Promise<RuleBody> {
  if (file === '-') return parseRuleFile('<stdin>', await readStdin(), options);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause && cause.code === 'ENOENT' ? 'no such file' : 'cannot read it';
    throw new AppError('ERR_CLI_USAGE', `cannot read rule file "${file}": ${reason}`, { cause });
  }
  return parseRuleFile(file, text, options);
}

/** Parses rule YAML; `name` is the file name used in messages. */
export async function parseRuleFile(name: string, text: string, options: RuleFileOptions = {}): Promise<RuleBody> {
  // Loaded on demand: only `rule create` needs a YAML parser.
  const { LineCounter, parseDocument, isMap, isScalar } = await import('./yaml.js');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const at = (node: Node | null | undefined): string => locate(name, lineCounter, node);

  const [first, ...more] = doc.errors;
  if (first) {
    const where = (error: typeof first): string => {
      const pos = error.linePos?.[0];
      return pos ? `${name}:${pos.line}:${pos.col}` : `${name}:1:1`;
    };
    const details = more.map((error) => `${where(error)}: ${plainYamlMessage(error.message)}`);
    throw new AppError('ERR_CLI_USAGE', `${where(first)}: invalid YAML: ${plainYamlMessage(first.message)}`, details.length > 0 ? { details } : {});
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    throw new AppError('ERR_CLI_USAGE', `${name}: the file is empty; expected a rule with ${RULE_KEYS.join(', ')}`);
  }
  if (!isMap(root)) throw new AppError('ERR_CLI_USAGE', `${at(root)}: expected a mapping of rule fields (ref, trigger_ref, action_ref, …)`);

  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof key !== 'string' || !(RULE_KEYS as readonly string[]).includes(key)) {
      const shown = isScalar(pair.key) ? String(pair.key.value) : 'a non-scalar key';
      throw new AppError('ERR_CLI_USAGE', `${at(pair.key as Node)}: unknown key "${shown}"; a rule has ${RULE_KEYS.join(', ')}`);
    }
  }

  const data = toRecord(doc);
  const ref = resolveRef(name, data, options, (key) => at(root.get(key, true) as Node | undefined));
  for (const key of ['trigger_ref', 'action_ref'] as const) {
    if (data[key] === undefined) throw new AppError('ERR_CLI_USAGE', `${name}: "${key}" is required`);
  }
  // The API takes the same keys except `name`, which only completes the ref.
  const { name: _name, ref: _ref, ...rest } = data;
  return { ref, ...rest } as RuleBody;
}

function toRecord(doc: Document): Record<string, unknown> {
  // Aliases are capped so a "billion laughs" file fails instead of eating memory.
  try {
    return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (cause) {
    throw new AppError('ERR_CLI_USAGE', `invalid YAML: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** `ref`, or `<--pack>.<name>`; a `name` beside a `ref` must agree with it, as in a pack. */
function resolveRef(file: string, data: Record<string, unknown>, options: RuleFileOptions, at: (key: string) => string): string {
  const { ref, name } = data;
  if (ref !== undefined && typeof ref !== 'string') throw new AppError('ERR_CLI_USAGE', `${at('ref')}: "ref" must be a string such as mypack.my_rule`);
  if (name !== undefined && typeof name !== 'string') throw new AppError('ERR_CLI_USAGE', `${at('name')}: "name" must be a string`);
  if (ref === undefined) {
    if (name === undefined) throw new AppError('ERR_CLI_USAGE', `${file}: "ref" is required (<pack>.<name>, e.g. mypack.my_rule)`);
    if (options.pack === undefined) {
      throw new AppError('ERR_CLI_USAGE', `${at('name')}: the file has a name but no ref; add "ref: <pack>.${name}" or pass --pack <pack>`);
    }
    return `${options.pack}.${name}`;
  }
  const dot = ref.indexOf('.');
  if (name !== undefined && ref.slice(dot + 1) !== name) {
    throw new AppError('ERR_CLI_USAGE', `${at('name')}: name "${name}" does not match ref "${ref}"`);
  }
  if (options.pack !== undefined && ref.slice(0, dot) !== options.pack) {
    throw new AppError('ERR_CLI_USAGE', `${at('ref')}: ref "${ref}" is not in pack "${options.pack}" (--pack)`);
  }
  return ref;
}

function locate(file: string, lineCounter: LineCounter, node: Node | null | undefined): string {
  const offset = node?.range?.[0];
  if (offset === undefined) return file;
  const { line, col } = lineCounter.linePos(offset);
  return `${file}:${line}:${col}`;
}

/** yaml's pretty messages append " at line L, column C:" and a code excerpt; we show the position first instead. */
function plainYamlMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
