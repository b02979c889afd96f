import { constants, type Dir, type Stats } from 'node:fs';
import { type FileHandle, open, opendir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PacksConfig } from '../config/index.js';
import { AppError, formatIssue, type ValidationIssue } from '../domain/index.js';

/** What registering one pack may read (`packs.*` in the configuration). */
export type PackLimits = Pick<PacksConfig, 'max_file_bytes' | 'max_pack_bytes' | 'max_files'>;

const YAML_EXTENSIONS = ['.yaml', '.yml'];
const PACK_FILES = ['pack.yaml', 'pack.yml'];
const START = { line: 1, column: 1 } as const;
// O_NONBLOCK: opening a FIFO that slipped past the checks returns at once instead of holding a
// libuv thread until a writer appears. O_NOFOLLOW: the path we checked is the path we open.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
const OUTSIDE = 'resolves outside the pack (through a symbolic link); only files inside the pack are read';

export type ReadResult = { readonly text: string } | { readonly issue: ValidationIssue };

/**
 * The only way pack loading touches the disk. Every path is resolved (realpath) and must land
 * inside the pack's own real directory, only regular files are opened, and sizes are checked
 * before anything is read: a symlink to /etc/shadow, a FIFO or a 60 MB file costs a stat, never
 * a read, a blocked thread or a parse. Problems name files relative to the pack, never what a
 * symlink points at.
 */
export class PackFiles {
  /** The pack directory as given (resolved, symlinks kept): what is stored and shown. */
  readonly root: string;
  readonly #realRoot: string;
  readonly #limits: PackLimits;
  #bytes = 0;
  #files = 0;

  private constructor(root: string, realRoot: string, limits: PackLimits) {
    this.root = root;
    this.#realRoot = realRoot;
    this.#limits = limits;
  }

  /** Opens the pack at `dir`; `ERR_PACK_PATH_NOT_FOUND` says what is there when it is no directory. */
  static async open(dir: string, limits: PackLimits): Promise<PackFiles> {
    const root = path.resolve(dir);
    const info = await stat(root).catch(() => undefined); // missing or unreadable: reported below
    if (!info) throw new AppError('ERR_PACK_PATH_NOT_FOUND', `pack directory ${root} does not exist`);
    if (!info.isDirectory()) throw new AppError('ERR_PACK_PATH_NOT_FOUND', `${root} is ${kindOf(info)}, not a pack directory`);
    const realRoot = await realpath(root).catch(() => undefined); // stat just worked: hardly ever fails
    if (realRoot === undefined) throw new AppError('ERR_PACK_PATH_NOT_FOUND', `pack directory ${root} cannot be read`);
    return new PackFiles(root, realRoot, limits);
  }

  /** `pack.yaml` or `pack.yml`, whichever exists (of any kind: reading it reports what is wrong). */
  async findPackFile(): Promise<string> {
    for (const name of PACK_FILES) {
      const exists = await stat(path.join(this.root, name)).then(
        () => true,
        (error: unknown) => !isCode(error, 'ENOENT'), // a broken symlink is there, and reported when read
      );
      if (!exists) continue;
      this.#countFile(name);
      return name;
    }
    throw new AppError('ERR_PACK_PATH_NOT_FOUND', `${this.root} has no pack.yaml`);
  }

  /**
   * The YAML files directly inside `folder`, sorted, as pack-relative paths. A missing folder has
   * none; a folder that leads outside the pack is an issue. Counts toward `max_files`.
   */
  async listYaml(folder: string): Promise<{ readonly files: readonly string[]; readonly issues: readonly ValidationIssue[] }> {
    const problem = (message: string) => ({ files: [], issues: [{ file: `${folder}/`, ...START, field: '', message }] });
    let dir: Dir;
    try {
      const real = await realpath(path.join(this.root, folder));
      if (!isInside(this.#realRoot, real)) return problem(OUTSIDE);
      dir = await opendir(real);
    } catch (error) {
      // A pack without this folder (or with a file of that name) simply has no components of this kind.
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return { files: [], issues: [] };
      return problem(readProblem(error));
    }
    const names: string[] = [];
    // Streamed, and counted as it goes: a folder of a million entries is never held in memory.
    for await (const entry of dir) {
      if (entry.isDirectory() || !YAML_EXTENSIONS.includes(path.extname(entry.name))) continue;
      names.push(entry.name);
      this.#countFile(`${folder}/`);
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { files: names.map((name) => `${folder}/${name}`), issues: [] };
  }

  /** Reads one pack-relative file as text, or says why it may not be read. */
  async readText(file: string): Promise<ReadResult> {
    const issue = (message: string): ReadResult => ({ issue: { file, ...START, field: '', message } });
    const checked = await this.#resolve(file);
    if ('problem' in checked) return issue(checked.problem);
    const max = this.#limits.max_file_bytes;
    if (checked.stats.size > max) return issue(`is ${checked.stats.size} bytes, more than packs.max_file_bytes (${max})`);
    this.#reserve(file, checked.stats.size);
    let handle: FileHandle;
    try {
      handle = await open(checked.real, OPEN_FLAGS);
    } catch (error) {
      return issue(readProblem(error));
    }
    try {
      const opened = await handle.stat();
      // Checked again on the open file: the path could have been swapped since the stat.
      if (!opened.isFile()) return issue(`is not a regular file (it is ${kindOf(opened)})`);
      if (!(await this.#isOpenedInside(handle))) return issue(OUTSIDE);
      const buffer = await readAtMost(handle, max + 1);
      if (buffer.length > max) return issue(`is more than packs.max_file_bytes (${max}) bytes`);
      this.#bytes += buffer.length - checked.stats.size; // what was read, should the file have changed
      return { text: buffer.toString('utf8') };
    } finally {
      await handle.close();
    }
  }

  /**
   * Why the program `entryPoint` (relative to `folder`) cannot be run, or undefined when it is a
   * regular file whose real path is inside the pack.
   */
  async programProblem(folder: 'actions' | 'sensors', entryPoint: string): Promise<string | undefined> {
    const base = path.join(this.root, folder);
    const target = path.resolve(base, entryPoint);
    const relative = path.relative(base, target);
    if (relative === '' || !isInside(base, target)) return `must name a file inside ${folder}/ (found "${entryPoint}")`;
    const file = `${folder}/${relative.split(path.sep).join('/')}`;
    const checked = await this.#resolve(file);
    return 'problem' in checked ? `${file} ${checked.problem}` : undefined;
  }

  async #resolve(file: string): Promise<{ readonly real: string; readonly stats: Stats } | { readonly problem: string }> {
    let real: string;
    try {
      real = await realpath(path.join(this.root, file));
    } catch (error) {
      return { problem: readProblem(error) };
    }
    if (!isInside(this.#realRoot, real)) return { problem: OUTSIDE };
    // stat, not open: it never blocks on a FIFO and never touches a device.
    const stats = await stat(real).catch(() => undefined);
    if (!stats) return { problem: 'does not exist' };
    if (!stats.isFile()) return { problem: `is not a regular file (it is ${kindOf(stats)})` };
    return { real, stats };
  }

  /**
   * Linux names the file an fd is open on: a directory of the pack replaced by a symlink between
   * our realpath and our open would show here. Elsewhere the realpath check is what holds.
   */
  async #isOpenedInside(handle: FileHandle): Promise<boolean> {
    if (process.platform !== 'linux') return true;
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
    // Without /proc (an unusual container) the realpath check before the open still held.
    return opened === undefined || isInside(this.#realRoot, opened);
  }

  /** `where` is the folder being listed: the entries of a folder come in no particular order. */
  #countFile(where: string): void {
    this.#files += 1;
    if (this.#files > this.#limits.max_files) {
      throw tooBig({ file: where, ...START, field: '', message: `the pack has more than packs.max_files (${this.#limits.max_files}) YAML files` });
    }
  }

  #reserve(file: string, bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > this.#limits.max_pack_bytes) {
      const message = `the pack's YAML files add up to more than packs.max_pack_bytes (${this.#limits.max_pack_bytes})`;
      throw tooBig({ file, ...START, field: '', message });
    }
  }
}

/** Loading stops at a pack-wide limit: the rest of the pack is not read, so not checked either. */
function tooBig(issue: ValidationIssue): AppError {
  return new AppError('ERR_PACK_INVALID', formatIssue(issue), { details: [issue] });
}

/** True when `target` is `root` or below it. Both must be absolute and normalised. */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!path.isAbsolute(relative) && relative !== '..' && !relative.startsWith(`..${path.sep}`));
}

async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let filled = 0;
  while (filled < limit) {
    const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Error messages from fs name paths; ours name only the pack-relative file. */
function readProblem(error: unknown): string {
  if (isCode(error, 'ENOENT')) return 'does not exist';
  if (isCode(error, 'EACCES') || isCode(error, 'EPERM')) return 'cannot be read: permission denied';
  if (isCode(error, 'ELOOP')) return 'cannot be read: too many levels of symbolic links';
  if (isCode(error, 'ENOTDIR')) return 'does not exist (a part of its path is not a directory)';
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return `cannot be read${typeof code === 'string' ? ` (${code})` : ''}`;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
