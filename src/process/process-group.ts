/**
 * Sends a signal to a whole process group (the child runs `detached`, so it leads its own
 * group and its pid is the group id). Returns false when the group no longer exists.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    // ESRCH: every member has already exited, which is what we want; nothing left to signal.
    if (isErrno(err, 'ESRCH')) return false;
    // EPERM: a member changed credentials (setuid); we cannot signal it and must not crash.
    if (isErrno(err, 'EPERM')) return false;
    throw err;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
