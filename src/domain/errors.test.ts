import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE, isErrorCode, type ErrorCode } from './errors.js';

const DOC = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));
const CODE_PATTERN = /^ERR_[A-Z]+(_[A-Z]+)*$/;
const CATALOGUE_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

interface DocumentedCode {
  readonly code: string;
  readonly cells: readonly string[];
}

/** Rows of docs/errors.md's tables whose first cell is a code written as `ERR_…`. */
function documentedCodes(markdown: string): DocumentedCode[] {
  const rows: DocumentedCode[] = [];
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
    const match = /^`(ERR_[A-Z_]+)`$/.exec(cells[0] ?? '');
    if (match?.[1] !== undefined) rows.push({ code: match[1], cells });
  }
  return rows;
}

describe('the error catalogue', () => {
  const documented = documentedCodes(readFileSync(DOC, 'utf8'));
  const documentedNames = documented.map((row) => row.code);

  it('documents every catalogue code in docs/errors.md', () => {
    const missing = CATALOGUE_CODES.filter((code) => !documentedNames.includes(code));
    expect(missing).toEqual([]);
  });

  it('documents only codes that exist in the catalogue', () => {
    const unknown = documentedNames.filter((code) => !isErrorCode(code));
    expect(unknown).toEqual([]);
  });

  it('documents each code once', () => {
    const repeated = documentedNames.filter((code, index) => documentedNames.indexOf(code) !== index);
    expect(repeated).toEqual([]);
  });

  it('documents the HTTP status each code carries', () => {
    const wrong = documented
      .filter((row) => isErrorCode(row.code) && row.cells[1] !== String(ERROR_CATALOGUE[row.code].httpStatus))
      .map((row) => `${row.code}: documented ${row.cells[1] ?? '(none)'}`);
    expect(wrong).toEqual([]);
  });

  it('documents the CLI exit status each code maps to', () => {
    const wrong = documented
      .filter((row) => isErrorCode(row.code) && row.cells[2] !== String(new AppError(row.code, '').exitCode))
      .map((row) => `${row.code}: documented ${row.cells[2] ?? '(none)'}`);
    expect(wrong).toEqual([]);
  });

  it.each(CATALOGUE_CODES)('%s is an ERR_<AREA>_<WHAT> code with an HTTP status from 200 to 599', (code) => {
    expect(code).toMatch(CODE_PATTERN);
    const { httpStatus } = ERROR_CATALOGUE[code];
    expect(Number.isInteger(httpStatus)).toBe(true);
    expect(httpStatus).toBeGreaterThanOrEqual(200);
    expect(httpStatus).toBeLessThanOrEqual(599);
  });

  it.each(CATALOGUE_CODES)('%s has a one-line summary', (code) => {
    expect(ERROR_CATALOGUE[code].summary).toMatch(/^\S.*\.$/);
  });
});
