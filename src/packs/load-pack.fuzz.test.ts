import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/index.js';
import { loadPack } from './load-pack.js';
import { seededRandom } from '../../test/support/seeded-random.js';

const KEYS = ['name', 'ref', 'runner_type', 'entry_point', 'parameters', 'timeout_seconds', 'output_format', 'trigger_ref', 'action_ref', 'conditions', 'action_params', 'trigger_types', 'enabled', 'x'];
const SCALARS = ['shell', 'builtin', 'run.sh', 'demo.a', 'core.noop', '"{{ event.payload }}"', '{{', '-1', '1e9', 'null', '~', 'true', "'quoted'", '[a, b]', '{a: 1}', '"a: b"', '&anchor x', '*anchor', '!!binary aGk=', 'event.x >> 1', '""'];
const SHAPES = ['{type: string}', '{type: nope}', '{type: integer, default: x}', '{type: number, minimum: 5, default: 1}', '[]', '{}'];
/** Flow values around the JSON depth limit (128) and far past it, and numbers JSON cannot store. */
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const EXTREMES = [nested(20), nested(126), nested(127), nested(130), nested(3000), '.inf', '-.inf', '.nan', '1e400', `{a: ${nested(200)}}`];

describe('loadPack on random files', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'attune-pack-fuzz-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('either loads or reports ERR_PACK_INVALID with located issues, for 200 random packs with values deep and out of range', async () => {
    const random = seededRandom(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const file = (): string =>
      Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
        const key = pick(KEYS);
        if (key === 'parameters') return `parameters:\n  p: ${pick(SHAPES)}`;
        if (random() < 0.05) return `${key}: [unclosed`;
        return `${key}: ${random() < 0.1 ? pick(EXTREMES) : pick(SCALARS)}`;
      }).join('\n');
    for (let i = 0; i < 200; i++) {
      const dir = path.join(root, `p${i}`);
      for (const folder of ['actions', 'rules']) mkdirSync(path.join(dir, folder), { recursive: true });
      writeFileSync(path.join(dir, 'pack.yaml'), random() < 0.9 ? 'ref: demo\nversion: 1.0.0\n' : file());
      writeFileSync(path.join(dir, 'actions', 'run.sh'), 'true\n');
      writeFileSync(path.join(dir, 'actions', 'a.yaml'), file());
      writeFileSync(path.join(dir, 'rules', 'r.yaml'), file());
      try {
        await loadPack(dir);
      } catch (error) {
        expect(error, `pack ${i}`).toBeInstanceOf(AppError);
        const appError = error as AppError;
        expect(appError.code, `pack ${i}: ${appError.message}`).toBe('ERR_PACK_INVALID');
        const issues = appError.details as { file?: string; line?: number; message: string }[];
        expect(issues.length).toBeGreaterThan(0);
        for (const issue of issues) {
          expect(issue.file, `pack ${i}: ${issue.message}`).toBeTruthy();
          expect(issue.line, `pack ${i}: ${issue.message}`).toBeGreaterThan(0);
        }
      }
    }
  });
});
