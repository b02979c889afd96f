import { parse as parseYaml } from 'yaml';
import { assertNever, describeJsonProblem, findJsonProblem } from '../domain/index.js';
import type { OutputFormat } from '../domain/index.js';

export type ParsedOutput = { readonly data?: unknown } | { readonly error: string };

/**
 * Parses stdout by the action's `output_format`. Text output has no data; empty output has no
 * data and is not an error (an action may legitimately print nothing, e.g. when it fails).
 */
export function parseOutput(format: OutputFormat, stdout: string): ParsedOutput {
  if (format === 'text' || stdout.trim() === '') return {};
  try {
    const data = parseAs(format, stdout);
    // Stored as JSON and maybe read by rules later: the same limits as every other way in.
    const problem = findJsonProblem(data);
    if (problem) return { error: `output could not be parsed as ${format}: ${describeJsonProblem(problem, 'output')}` };
    return { data };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { error: `output could not be parsed as ${format}: ${reason}` };
  }
}

function parseAs(format: Exclude<OutputFormat, 'text'>, stdout: string): unknown {
  switch (format) {
    case 'json':
      return JSON.parse(stdout) as unknown;
    case 'yaml':
      return parseYaml(stdout) as unknown;
    case 'jsonl':
      return stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    default:
      return assertNever(format);
  }
}
