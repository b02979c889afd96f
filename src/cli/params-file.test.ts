import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../domain/index.js';
import { parseParamsDocument, readParamsFile } from './params-file.js';

async function usageError(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('readParamsFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads a JSON file, and YAML from stdin, keeping the types as written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'attune-params-file-'));
    dirs.push(dir);
    const file = path.join(dir, 'p.json');
    writeFileSync(file, '{"token": "s", "count": 3, "tags": ["a"]}');
    expect(await readParamsFile(file)).toEqual({ token: 's', count: 3, tags: ['a'] });
    expect(await readParamsFile('-', () => Promise.resolve('message: "42"\ncount: 42\n'))).toEqual({ message: '42', count: 42 });
  });

  it('names a missing file', async () => {
    const error = await usageError(() => readParamsFile('/nonexistent/p.json'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toContain('no such file');
  });

  it('reports a malformed document by position, never quoting its content', async () => {
    const error = await usageError(() => parseParamsDocument('p.yaml', 'user: ann\ntoken: "hunter2\n'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toMatch(/^p\.yaml:\d+:\d+: not valid JSON or YAML$/);
    expect(error.message).not.toContain('hunter2');
  });

  it('wants a mapping', async () => {
    expect((await usageError(() => parseParamsDocument('p', '["hunter2"]'))).message).toContain('is not a mapping');
    expect((await usageError(() => parseParamsDocument('p', ''))).message).toContain('is empty');
    expect((await usageError(() => parseParamsDocument('p', 'hunter2'))).message).not.toContain('hunter2');
  });
});
