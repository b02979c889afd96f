import { readFile } from 'node:fs/promises';
import { AppError } from '../domain/index.js';
import { type ReadStdin, readAllStdin } from './rule-file.js';

/**
 * Reads `--params-file` (stdin for "-"): one JSON or YAML mapping of parameter names to values,
 * taken as typed (quote a string that looks like a number). It keeps secrets out of argv, where
 * any user of the machine can read them (`ps`). For the same reason no message quotes the
 * content: problems are reported by file, line and column only.
 */
export async function readParamsFile(file: string, readStdin: ReadStdin = readAllStdin): Promise<Record<string, unknown>> {
  if (file === '-') return parseParamsDocument('<stdin>', await readStdin());
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause && cause.code === 'ENOENT' ? 'no such file' : 'cannot read it';
    throw new AppError('ERR_CLI_USAGE', `cannot read parameters file "${file}": ${reason}`, { cause });
  }
  return parseParamsDocument(file, text);
}

/** Parses a parameters document; `name` is the file name used in messages. */
export async function parseParamsDocument(name: string, text: string): Promise<Record<string, unknown>> {
  // Loaded on demand: only --params-file needs a YAML parser (JSON is YAML too).
  const { LineCounter, parseDocument } = await import('./yaml.js');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const [first] = doc.errors;
  if (first) {
    const pos = first.linePos?.[0];
    throw new AppError('ERR_CLI_USAGE', `${name}:${pos?.line ?? 1}:${pos?.col ?? 1}: not valid JSON or YAML`);
  }
  let data: unknown;
  try {
    // Aliases are capped so a "billion laughs" document fails instead of eating memory.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new AppError('ERR_CLI_USAGE', `${name}: not valid JSON or YAML (too many aliases)`, { cause });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const what = data === null || data === undefined ? 'is empty' : 'is not a mapping';
    throw new AppError('ERR_CLI_USAGE', `${name} ${what}; expected a mapping of parameter names to values, e.g. {"message": "hi"}`);
  }
  return data as Record<string, unknown>;
}
