/**
 * Linux's signal numbers, as os.constants.signals has them on the architectures bun runs on
 * (x86-64 and arm64 share this numbering; a unit test compares the two). A table of our own
 * because loading node:os costs `kill` ~0.2 ms, and this module is on its path.
 */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21,
  SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

/**
 * Parses a signal as runc does: a number, or a name with or without SIG (e.g. KILL, SIGKILL, 9).
 * 0 is kill(2)'s existence probe: runc accepts it, and callers use it to ask whether the init lives.
 */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 0 && n <= 64) return n;
  } else {
    const name = raw.toUpperCase().startsWith('SIG') ? raw.toUpperCase() : `SIG${raw.toUpperCase()}`;
    const n = SIGNAL_NUMBERS[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
    const offset = Number(rt?.[1] ?? 0);
    if (rt && offset <= 30) return name.startsWith('SIGRTMIN') ? 34 + offset : 64 - offset;
  }
  throw new Error(`unknown signal "${raw}"`);
}
