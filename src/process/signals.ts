import * as os from 'os';

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
    const n = (os.constants.signals as Record<string, number>)[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
    const offset = Number(rt?.[1] ?? 0);
    if (rt && offset <= 30) return name.startsWith('SIGRTMIN') ? 34 + offset : 64 - offset;
  }
  throw new Error(`unknown signal "${raw}"`);
}
