import { accessSync, constants } from 'node:fs';
import { type Containment, type ContainmentKind, NO_CONTAINMENT } from './cell.js';
import { ownCgroups, probeCgroupRoot, SHELL } from './cgroup.js';

/** `auto` picks the first kind that works here, in the order of CONTAINMENT_KINDS. */
export type ContainmentChoice = 'auto' | ContainmentKind;

export type Detected = { readonly containment: Containment; readonly notes: readonly string[] } | { readonly error: string };

/**
 * Chooses how actions and sensors are contained, by trying each kind on this machine: a cgroup
 * (v2, else v1 freezer, else v1 pids) under this process's own cgroup where one is writable, else
 * the environment marker where /proc shows environments, else the process group alone. `notes`
 * says why better kinds were passed over. An explicit choice that does not work here is an error.
 */
export function detectContainment(choice: ContainmentChoice): Detected {
  const notes: string[] = [];
  if (choice === 'none') return { containment: NO_CONTAINMENT, notes };
  if (choice === 'auto' || choice === 'cgroup2' || choice === 'cgroup1') {
    const candidates = ownCgroups().filter((own) => choice === 'auto' || own.kind === choice);
    if (candidates.length === 0) notes.push(choice === 'auto' ? 'no cgroup hierarchy found' : `no ${choice} hierarchy found`);
    if (candidates.length > 0 && !hasShell()) notes.push(`cgroups need ${SHELL}, which is missing`);
    for (const own of hasShell() ? candidates : []) {
      const probed = probeCgroupRoot(own);
      if ('root' in probed) return { containment: { kind: own.kind, root: probed.root }, notes };
      notes.push(probed.error);
    }
    if (choice !== 'auto') return { error: `${choice} cannot be used here: ${notes.join('; ')}` };
  }
  if (canReadEnviron()) return { containment: { kind: 'environ', root: '' }, notes };
  if (choice === 'environ') return { error: 'environ cannot be used here: /proc/<pid>/environ is not readable' };
  notes.push('/proc/<pid>/environ is not readable');
  return { containment: NO_CONTAINMENT, notes };
}

function hasShell(): boolean {
  try {
    accessSync(SHELL, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function canReadEnviron(): boolean {
  try {
    accessSync('/proc/self/environ', constants.R_OK);
    return process.platform === 'linux';
  } catch {
    return false;
  }
}
