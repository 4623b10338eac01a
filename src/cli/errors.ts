/**
 * Errors the command line reports. Any thrown error ends the command: main logs
 * its message (see errorMessage) and exits with its exit code (see exitCodeOf).
 */

/** A failure with a message meant for the user; exitCode overrides the command's default. */
export class RuntimeError extends Error {
  readonly exitCode?: number;

  constructor(message: string, exitCode?: number) {
    super(message);
    this.name = 'RuntimeError';
    this.exitCode = exitCode;
  }
}

/** Wrong flags or argument count; the dispatcher prints usage help with it. */
export class UsageError extends RuntimeError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'UsageError';
  }
}

/** A command or feature skiff recognises but does not implement. */
export function notSupported(what: string): RuntimeError {
  return new RuntimeError(`${what} is not supported by skiff`);
}

/** Wrap an error with a prefix, e.g. "skiff create failed: <message>", keeping its exit code. */
export function withPrefix(prefix: string, err: unknown): RuntimeError {
  const wrapped = new RuntimeError(`${prefix}${errorMessage(err)}`, explicitExitCode(err));
  (wrapped as { cause?: unknown }).cause = err;
  return wrapped;
}

function explicitExitCode(err: unknown): number | undefined {
  const code = (err as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** The exit code an error asks for, else the fallback (1 for most commands, 255 for exec). */
export function exitCodeOf(err: unknown, fallback = 1): number {
  return explicitExitCode(err) ?? fallback;
}

interface SystemErrorLike {
  code?: string;
  syscall?: string;
  path?: string;
  dest?: string;
  message: string;
}

/**
 * The user-facing text of an error. Node's system errors ("ENOENT: no such file or
 * directory, open '/x'") are reworded the way Go prints them ("open /x: no such file
 * or directory"), since callers of runc match on that shape.
 */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & SystemErrorLike;
  if (typeof e.code !== 'string' || typeof e.syscall !== 'string') return e.message;
  const head = `${e.code}: `;
  let detail = e.message.startsWith(head) ? e.message.slice(head.length) : e.message;
  const tail = detail.lastIndexOf(`, ${e.syscall}`);
  if (tail >= 0) detail = detail.slice(0, tail);
  const where = [e.path, e.dest].filter((p): p is string => typeof p === 'string').join(' ');
  return where ? `${e.syscall} ${where}: ${detail}` : `${e.syscall}: ${detail}`;
}
