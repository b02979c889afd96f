import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPack } from './load-pack.js';
import { fingerprintPack, loadPrebuilt, writePrebuilt } from './prebuilt-packs.js';

const PACKS = path.resolve(import.meta.dirname, '../../packs');
const CORE = path.join(PACKS, 'core');

describe('prebuilt packs', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'attune-prebuilt-'));
  const prebuilt = path.join(scratch, 'prebuilt');
  beforeAll(async () => {
    await writePrebuilt(prebuilt, [{ dir: CORE, definition: await loadPack(CORE) }]);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('gives the definition loadPack reads from disk, at the path it is asked for', async () => {
    const installed = path.join(scratch, 'elsewhere', 'core');
    cpSync(CORE, installed, { recursive: true });
    const fromBuild = await loadPrebuilt(installed, prebuilt);
    expect(fromBuild).toStrictEqual(await loadPack(installed));
    expect(Object.isFrozen(fromBuild?.actions[0])).toBe(true);
  });

  it('is not used once any file of the pack changed', async () => {
    const changed = path.join(scratch, 'changed', 'core');
    cpSync(CORE, changed, { recursive: true });
    expect(await loadPrebuilt(changed, prebuilt)).toBeDefined();
    appendFileSync(path.join(changed, 'pack.yaml'), '# edited\n');
    expect(await loadPrebuilt(changed, prebuilt)).toBeUndefined();
  });

  it('is used only for a directory of a shipped pack’s name, and never without a build', async () => {
    const renamed = path.join(scratch, 'renamed', 'mycore');
    cpSync(CORE, renamed, { recursive: true });
    expect(await loadPrebuilt(renamed, prebuilt)).toBeUndefined();
    expect(await loadPrebuilt(CORE, path.join(scratch, 'no-build'))).toBeUndefined();
  });

  it('fingerprints names as well as contents', async () => {
    const moved = path.join(scratch, 'moved', 'core');
    cpSync(CORE, moved, { recursive: true });
    const before = await fingerprintPack(moved);
    cpSync(path.join(moved, 'pack.yaml'), path.join(moved, 'pack.yml'));
    rmSync(path.join(moved, 'pack.yaml'));
    expect(await fingerprintPack(moved)).not.toBe(before);
  });
});
