/**
 * The process-wide logger. Lines go to stderr until configure() points them at a
 * --log file (opened O_APPEND, created 0644, like runc). Writes are synchronous so
 * nothing is lost when the process exits right after logging a fatal error.
 */
import { fs } from '../sys/lazy-builtins';
import { formatJson, formatText, type LogEntry, type LogFields, type LogLevel } from './format';
import { writeAll } from './write-all';

export type { LogFields, LogLevel } from './format';
export type LogFormat = 'text' | 'json';

export interface LoggerSettings {
  /** Log file; undefined means stderr. */
  file?: string;
  format: LogFormat;
  debug: boolean;
}

/** Where formatted lines go; replaceable for tests. */
export type LogSink = (line: string) => void;

const SEVERITY: Record<LogLevel, number> = { debug: 5, info: 4, warning: 3, error: 2, fatal: 1 };


export class Logger {
  private format: LogFormat = 'text';
  private threshold = SEVERITY.info;
  private fd = 2;
  private sink: LogSink | undefined;

  /** Apply --log, --log-format and --debug. Throws if the log file cannot be opened. */
  configure(settings: LoggerSettings): void {
    this.format = settings.format;
    this.threshold = settings.debug ? SEVERITY.debug : SEVERITY.info;
    if (settings.file) {
      const flags = fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_SYNC;
      const fd = fs.openSync(settings.file, flags, 0o644);
      if (this.fd !== 2) fs.closeSync(this.fd);
      this.fd = fd;
    }
  }

  /** Route lines to a function instead of a file descriptor (tests). */
  setSink(sink: LogSink | undefined): void {
    this.sink = sink;
  }

  /** Back to the start-up state: text to stderr at info level. */
  reset(): void {
    if (this.fd !== 2) fs.closeSync(this.fd);
    this.fd = 2;
    this.format = 'text';
    this.threshold = SEVERITY.info;
    this.sink = undefined;
  }

  /** True when lines reach stderr, so a fatal error need not be printed twice. */
  writesToStderr(): boolean {
    return this.sink === undefined && this.fd === 2;
  }

  isEnabled(level: LogLevel): boolean {
    return SEVERITY[level] <= this.threshold;
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.isEnabled(level)) return;
    const entry: LogEntry = { time: new Date(), level, msg, fields };
    const line = this.format === 'json' ? formatJson(entry) : formatText(entry);
    if (this.sink) this.sink(line);
    else writeAll(this.fd, line);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log('warning', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }
}
