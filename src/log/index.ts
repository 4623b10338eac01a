/**
 * The logger every part of skiff uses:
 *   import { log } from '../log';
 *   log.debug('mounting rootfs', { bundle });
 * main configures it from the global flags before a command runs. To relay a helper
 * process's log pipe, see ./forward (kept out of this module to keep start-up lean).
 */
import { Logger } from './logger';

export const log = new Logger();

export { Logger } from './logger';
export type { LoggerSettings, LogFormat, LogSink } from './logger';
export type { LogFields, LogLevel } from './format';
