/**
 * From argv to a command's exit code, in runc's order:
 *   1. global flags (a bad one: "Incorrect Usage. ..." + help, exit 1)
 *   2. --help / --version
 *   3. global options resolved and the logger configured (--root, --log, --log-format)
 *   4. the command looked up (unknown: "No help topic for 'x'", exit 3)
 *   5. its flags (bad: "Incorrect Usage: ..." + its help), --help, argument count
 *   6. its module loaded and run; a thrown error is logged and sets the exit code.
 * Help and version code is loaded only when asked for, to keep start-up short.
 */
import { writeErr } from '../log/write-all';
import { printOut } from '../sys/quick-files';
import { FlagParseError, parseFlags, reorderArgs } from './argv';
import { resolveGlobalOptions, type GlobalOptions } from './context';
import { errorMessage, exitCodeOf, notSupported, withPrefix } from './errors';
import { findCommand, GLOBAL_FLAGS, HELP_COMMAND_NAMES, HELP_FLAG, type ArgCount, type CommandModule, type CommandSpec } from './program';
import { log } from '../log';

export interface CliIo {
  /** Resolves once the text is written (under bun, stdout is written without node:fs: sys/quick-files.ts). */
  out(text: string): void | Promise<void>;
  err(text: string): void;
}

export interface CliDeps {
  io: CliIo;
  /** How a command's module is obtained; tests substitute their own. */
  loadCommand(spec: CommandSpec): Promise<CommandModule>;
}

const processIo: CliIo = {
  out: printOut,
  err: writeErr,
};

/** Exit code for an unknown command or help topic, as runc. */
export const EXIT_UNKNOWN_COMMAND = 3;

async function loadModule(spec: CommandSpec): Promise<CommandModule> {
  if (!spec.load) throw notSupported(spec.name);
  return spec.load();
}

/** The argument-count complaint, worded as runc's but naming skiff. */
export function checkArgCount(name: string, count: number, rule: ArgCount): string | undefined {
  if (rule.exact !== undefined && count !== rule.exact) return `skiff: "${name}" requires exactly ${rule.exact} argument(s)`;
  if (rule.min !== undefined && count < rule.min) return `skiff: "${name}" requires a minimum of ${rule.min} argument(s)`;
  if (rule.max !== undefined && count > rule.max) return `skiff: "${name}" requires a maximum of ${rule.max} argument(s)`;
  return undefined;
}

export async function runCli(argv: string[], deps: Partial<CliDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  const load = deps.loadCommand ?? loadModule;

  /** Log the error; if the log is a file, also tell the user on stderr (runc does both). */
  const fatal = (message: string, code = 1): number => {
    log.error(message);
    if (!log.writesToStderr()) io.err(`${message}\n`);
    return code;
  };
  const help = () => import('./help');

  // 1. Global flags: Go-style parsing that stops at the command name.
  let globals;
  try {
    globals = parseFlags(GLOBAL_FLAGS, argv);
  } catch (err) {
    if (!(err instanceof FlagParseError)) throw err;
    await io.out(`Incorrect Usage. ${err.message}\n\n${(await help()).appHelp()}`);
    return fatal(err.message);
  }

  // 2. Help and version win over everything else.
  if (globals.values.help) {
    await io.out((await help()).appHelp());
    return 0;
  }
  if (globals.values.version) {
    await io.out((await import('./version')).versionText());
    return 0;
  }

  // 3. Global options and logging.
  let g: GlobalOptions;
  try {
    g = resolveGlobalOptions({
      root: globals.values.root as string | undefined,
      log: globals.values.log as string | undefined,
      logFormat: globals.values.logFormat as string,
      debug: globals.values.debug as boolean,
      systemdCgroup: globals.values.systemdCgroup as boolean,
      rootless: globals.values.rootless as string,
    });
    log.configure({ file: g.log, format: g.logFormat, debug: g.debug });
  } catch (err) {
    return fatal(errorMessage(err));
  }

  // 4. The command.
  const [name, ...rest] = globals.rest;
  if (name === undefined) {
    await io.out((await help()).appHelp());
    return 0;
  }
  if (HELP_COMMAND_NAMES.includes(name)) {
    const topic = rest[0];
    if (topic === undefined) {
      await io.out((await help()).appHelp());
      return 0;
    }
    const target = findCommand(topic);
    if (!target) return fatal(`No help topic for '${topic}'`, EXIT_UNKNOWN_COMMAND);
    await io.out((await help()).commandHelp(target));
    return 0;
  }
  const spec = findCommand(name);
  if (!spec) return fatal(`No help topic for '${name}'`, EXIT_UNKNOWN_COMMAND);

  // 5. The command's flags and arguments.
  const flags = [...spec.flags, HELP_FLAG];
  let parsed;
  try {
    parsed = parseFlags(flags, spec.flagsAnywhere ? reorderArgs(flags, rest) : rest);
  } catch (err) {
    if (!(err instanceof FlagParseError)) throw err;
    await io.out(`Incorrect Usage: ${err.message}\n\n${(await help()).commandHelp(spec)}`);
    return fatal(err.message);
  }
  if (parsed.values.help) {
    await io.out((await help()).commandHelp(spec));
    return 0;
  }
  const countError = checkArgCount(spec.name, parsed.rest.length, spec.args);
  if (countError) {
    await io.out(`Incorrect Usage.\n\n${(await help()).commandHelp(spec)}`);
    return fatal(countError);
  }
  const args = parsed.rest;
  const opts = parsed.values;
  delete opts.help;

  // 6. Run it.
  try {
    spec.finalize?.(args, opts);
    const mod = await load(spec);
    return await mod.run(g, args, opts);
  } catch (err) {
    const failure = spec.errorPrefix ? withPrefix(spec.errorPrefix, err) : err;
    if (g.debug && err instanceof Error && err.stack) log.debug(err.stack);
    return fatal(errorMessage(failure), exitCodeOf(err, spec.errorExitCode ?? 1));
  }
}
