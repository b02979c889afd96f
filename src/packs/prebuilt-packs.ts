import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deepFreeze } from './deep-freeze.js';
import type { PackDefinition } from './pack-definition.js';

/**
 * The packs shipped with Attune (core, examples) are registered at every start; on a fresh data
 * dir that meant parsing and validating them before the API could answer. `npm run build`
 * validates them once (scripts/prebuild-packs.mjs) and writes each definition beside the
 * fingerprint of the files it came from; at start, a shipped pack whose files still have that
 * fingerprint is taken from there. A change to any file of the pack changes the fingerprint, and
 * the pack is then read and validated from disk like any other.
 *
 * The build validates the core pack against nothing installed and the others against the core
 * pack alone; the core pack is always installed, so their references hold wherever they are
 * registered.
 */
export const PREBUILT_DIR = fileURLToPath(new URL('./prebuilt/', import.meta.url));
const INDEX_FILE = 'index.json';

/** One entry of prebuilt/index.json. */
interface PrebuiltEntry {
  /** The pack directory's name (`core`): only a directory of that name is fingerprinted. */
  readonly dirName: string;
  readonly fingerprint: string;
  /** The definition's file, beside index.json. */
  readonly file: string;
}

/**
 * SHA-256 over every entry under `dir`, in sorted order: the relative path, and a regular file's
 * content (anything else — a symlink, say — by its kind, never followed). The same files give
 * the same fingerprint wherever the pack is installed.
 */
export async function fingerprintPack(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        hash.update(`d\0${name}\0`);
        await walk(name);
      } else if (entry.isFile()) {
        hash.update(`f\0${name}\0`);
        hash.update(await readFile(path.join(dir, name)));
        hash.update('\0');
      } else {
        hash.update(`o\0${name}\0`);
      }
    }
  };
  await walk('');
  return hash.digest('hex');
}

function readIndex(prebuiltDir: string): readonly PrebuiltEntry[] {
  try {
    return JSON.parse(readFileSync(path.join(prebuiltDir, INDEX_FILE), 'utf8')) as PrebuiltEntry[];
  } catch {
    // Not built (running from source) or removed: every pack is read from disk.
    return [];
  }
}

/**
 * The prebuilt definition of the pack at `root` when it is a shipped pack whose files are
 * unchanged since the build, with `path` set to `root`; otherwise undefined.
 */
export async function loadPrebuilt(root: string, prebuiltDir = PREBUILT_DIR): Promise<PackDefinition | undefined> {
  const entry = readIndex(prebuiltDir).find((e) => e.dirName === path.basename(root));
  if (entry === undefined || (await fingerprintPack(root)) !== entry.fingerprint) return undefined;
  const definition = JSON.parse(await readFile(path.join(prebuiltDir, entry.file), 'utf8')) as PackDefinition;
  return deepFreeze({ ...definition, path: root });
}

/** Writes prebuilt/index.json and one definition file per pack: the build's side of loadPrebuilt. */
export async function writePrebuilt(prebuiltDir: string, packs: readonly { readonly dir: string; readonly definition: PackDefinition }[]): Promise<void> {
  await rm(prebuiltDir, { recursive: true, force: true });
  await mkdir(prebuiltDir, { recursive: true });
  const entries: PrebuiltEntry[] = [];
  for (const { dir, definition } of packs) {
    const dirName = path.basename(dir);
    const file = `${dirName}.json`;
    await writeFile(path.join(prebuiltDir, file), JSON.stringify({ ...definition, path: '' }));
    entries.push({ dirName, fingerprint: await fingerprintPack(dir), file });
  }
  await writeFile(path.join(prebuiltDir, INDEX_FILE), `${JSON.stringify(entries, null, 2)}\n`);
}
