/**
 * Re-log lines that a helper process (the C shim, a container's init) writes to a
 * log pipe. The expected shape is one JSON object per line, as runc's init writes:
 *   {"level":"debug","msg":"nsexec started"}
 * Other keys are kept as fields. A line that is not such JSON is logged as-is at
 * the fallback level, so nothing the helper says is lost.
 */
import { StringDecoder } from 'string_decoder';
import type { LogFields, LogLevel } from './format';
import type { Logger } from './logger';

const LEVEL_ALIASES: Record<string, LogLevel> = {
  trace: 'debug', debug: 'debug', info: 'info', warn: 'warning', warning: 'warning',
  error: 'error', fatal: 'fatal', panic: 'fatal',
};

function scalarFields(obj: Record<string, unknown>): LogFields | undefined {
  let fields: LogFields | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'level' || k === 'msg' || k === 'time') continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
    (fields ??= {})[k] = v;
  }
  return fields;
}

export function forwardLogLine(logger: Logger, line: string, fallback: LogLevel = 'error'): void {
  const text = line.replace(/\r?\n$/, '');
  if (text.trim() === '') return;
  if (text.startsWith('{')) {
    try {
      const obj = JSON.parse(text) as unknown;
      if (obj && typeof obj === 'object' && typeof (obj as { msg?: unknown }).msg === 'string') {
        const rec = obj as Record<string, unknown>;
        const level = LEVEL_ALIASES[String(rec.level ?? '').toLowerCase()] ?? fallback;
        logger.log(level, rec.msg as string, scalarFields(rec));
        return;
      }
    } catch {
      // not JSON after all: forwarded verbatim below
    }
  }
  logger.log(fallback, text);
}

/**
 * A function to feed raw chunks from a pipe; complete lines are forwarded as they
 * arrive. Call flush() at end of stream to forward a trailing partial line.
 */
export function createLogForwarder(logger: Logger, fallback: LogLevel = 'error') {
  let pending = '';
  const decoder = new StringDecoder('utf8'); // keeps multi-byte characters split across chunks whole
  const feed = (chunk: Buffer | string): void => {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      forwardLogLine(logger, pending.slice(0, nl), fallback);
      pending = pending.slice(nl + 1);
    }
  };
  const flush = (): void => {
    pending += decoder.end();
    if (pending !== '') forwardLogLine(logger, pending, fallback);
    pending = '';
  };
  return Object.assign(feed, { flush });
}
