/**
 * A foreground skiff (run, exec) stands in for the container process: the signals it gets go to
 * that process, and its exit status becomes skiff's.
 */
import * as os from 'os';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Forwards our signals to pid until the returned function is called. */
export function forwardSignals(pid: number): () => void {
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  for (const s of FORWARDED) process.on(s, forward);
  return () => {
    for (const s of FORWARDED) process.off(s, forward);
  };
}

/** A shell's convention: the exit code, or 128 + the signal that killed it. */
export function exitStatus(exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  if (exit.signal) return 128 + ((os.constants.signals as Record<string, number>)[exit.signal] ?? 0);
  return exit.code ?? 255;
}
