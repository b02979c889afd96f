import { stringify as stringifyYaml } from 'yaml';
import { assertNever } from '../domain/index.js';
import type { ParameterFormat } from '../domain/index.js';

/**
 * Renders parameters as the document an action reads from stdin (or from its parameters file).
 * Parameters never reach argv or the environment, so no value is ever interpreted by a shell.
 */
export function encodeParameters(format: ParameterFormat, parameters: Readonly<Record<string, unknown>>): string {
  switch (format) {
    case 'json':
      return JSON.stringify(parameters);
    case 'yaml':
      return stringifyYaml(parameters);
    case 'dotenv':
      return encodeDotenv(parameters);
    default:
      return assertNever(format);
  }
}

/**
 * One `name=value` line per parameter. Strings are written raw, other values JSON-encoded.
 * Backslash, newline and carriage return are escaped (`\\`, `\n`, `\r`) so every value stays on
 * one line and a bash script can decode it with `printf -v v '%b' "$raw"`. Names need no
 * escaping: flat schemas restrict them to `[A-Za-z_][A-Za-z0-9_]*`.
 */
function encodeDotenv(parameters: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out += `${name}=${escapeDotenvValue(text)}\n`;
  }
  return out;
}

function escapeDotenvValue(text: string): string {
  return text.replace(/[\\\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\n' ? '\\n' : '\\r'));
}
