/** What escalateSignals stops: a process (as a rule, its whole group) that says when it has exited. */
export interface SignalTarget {
  /** Sends `signal`; a process already gone is not an error. */
  signal(signal: NodeJS.Signals): void;
  /** True once the process has exited: no further signal is sent to it. */
  readonly hasExited: boolean;
  /** Settles once the process has exited. A rejection counts too: the process is then beyond reach. */
  readonly exited: Promise<unknown>;
}

/** Stopping a process that may clean up first: SIGTERM, then SIGKILL. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(['SIGTERM', 'SIGKILL']);

/**
 * Stops a process by escalation, as BullMQ's process-utils does: sends the first of `signals`
 * now and each next one `stepMs` after the one before, for as long as the process has not
 * exited; sends nothing to a process that already has. Resolves once it has exited, and the
 * signals still pending are then dropped. End `signals` with SIGKILL and it always exits.
 */
export function escalateSignals(target: SignalTarget, signals: readonly NodeJS.Signals[], stepMs: number): Promise<void> {
  const [first, ...rest] = signals;
  if (target.hasExited || first === undefined) return Promise.resolve();
  target.signal(first);
  const timers = rest.map((signal, step) =>
    setTimeout(() => {
      if (!target.hasExited) target.signal(signal);
    }, (step + 1) * stepMs),
  );
  const clear = (): void => {
    for (const timer of timers) clearTimeout(timer);
  };
  return target.exited.then(clear, clear);
}
