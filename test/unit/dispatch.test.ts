/** runCli with injected io and command loader: from argv to exit code, output and log lines. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkArgCount, EXIT_UNKNOWN_COMMAND, runCli } from '../../src/cli/dispatch';
import { RuntimeError } from '../../src/cli/errors';
import type { CommandModule, CommandSpec } from '../../src/cli/program';
import { SKIFF_VERSION } from '../../src/cli/version';
import { log } from '../../src/log';

let tmp: string;
let out: string;
let err: string;
let logLines: string[];
let calls: Array<{ command: string; g: any; args: string[]; opts: Record<string, any> }>;
let behaviour: (spec: CommandSpec) => Promise<number>;

const io = { out: (t: string) => { out += t; }, err: (t: string) => { err += t; } };

async function loadCommand(spec: CommandSpec): Promise<CommandModule> {
  return {
    run: async (g, args, opts) => {
      calls.push({ command: spec.name, g, args, opts });
      return behaviour(spec);
    },
  };
}

/** runCli with a private --root, the test io and loader. */
const cli = (...argv: string[]) => runCli(['--root', path.join(tmp, 'root'), ...argv], { io, loadCommand });

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-dispatch-'));
  out = '';
  err = '';
  logLines = [];
  calls = [];
  behaviour = async () => 0;
  log.reset();
  log.setSink((line) => logLines.push(line));
});

afterEach(() => {
  log.reset();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('checkArgCount', () => {
  test('exact, min and max, worded like runc', () => {
    expect(checkArgCount('state', 1, { exact: 1 })).toBeUndefined();
    expect(checkArgCount('state', 0, { exact: 1 })).toBe('skiff: "state" requires exactly 1 argument(s)');
    expect(checkArgCount('exec', 0, { min: 1 })).toBe('skiff: "exec" requires a minimum of 1 argument(s)');
    expect(checkArgCount('kill', 3, { min: 1, max: 2 })).toBe('skiff: "kill" requires a maximum of 2 argument(s)');
    expect(checkArgCount('kill', 2, { min: 1, max: 2 })).toBeUndefined();
  });
});

describe('runCli', () => {
  test('--version and -v print the version and run nothing', async () => {
    for (const flag of ['--version', '-v', '-version']) {
      out = '';
      expect(await runCli([flag, 'state', 'c1'], { io, loadCommand })).toBe(0);
      expect(out).toMatch(new RegExp(`^skiff version ${SKIFF_VERSION.replace(/\./g, '\\.')}\ncommit: \\S+\nspec: 1\\.3\\.0\n`));
    }
    expect(calls).toEqual([]);
  });

  test('--help, help and no command print the application help', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], []]) {
      out = '';
      expect(await cli(...argv)).toBe(0);
      expect(out).toContain('skiff');
      expect(out).toContain('create');
    }
    expect(calls).toEqual([]);
  });

  test('an unknown command: exit 3, "No help topic for \'x\'"', async () => {
    expect(await cli('x')).toBe(EXIT_UNKNOWN_COMMAND);
    expect(EXIT_UNKNOWN_COMMAND).toBe(3);
    expect(err).toBe("No help topic for 'x'\n");
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toContain('level=error');
    expect(logLines[0]).toContain(`msg="No help topic for 'x'"`);
    expect(calls).toEqual([]);
  });

  test('help for an unknown topic: exit 3; for a known one, its help', async () => {
    expect(await cli('help', 'nope')).toBe(3);
    expect(err).toBe("No help topic for 'nope'\n");
    out = '';
    expect(await cli('help', 'create')).toBe(0);
    expect(out).toContain('create');
    expect(out).toContain('--bundle');
  });

  test('a bad global flag: Incorrect Usage with the app help, exit 1', async () => {
    expect(await cli('--bogus', 'list')).toBe(1);
    expect(out.startsWith('Incorrect Usage. flag provided but not defined: -bogus\n\n')).toBe(true);
    expect(err).toBe('flag provided but not defined: -bogus\n');
    expect(calls).toEqual([]);
  });

  test('a bad command flag: Incorrect Usage: with the command help, exit 1', async () => {
    expect(await cli('delete', '--bogus', 'c1')).toBe(1);
    expect(out.startsWith('Incorrect Usage: flag provided but not defined: -bogus\n\n')).toBe(true);
    expect(calls).toEqual([]);
  });

  test.each([
    [['state'], 'skiff: "state" requires exactly 1 argument(s)'],
    [['state', 'a', 'b'], 'skiff: "state" requires exactly 1 argument(s)'],
    [['kill', 'c1', 'KILL', 'x'], 'skiff: "kill" requires a maximum of 2 argument(s)'],
    [['kill'], 'skiff: "kill" requires a minimum of 1 argument(s)'],
    [['list', 'extra'], 'skiff: "list" requires exactly 0 argument(s)'],
    [['exec'], 'skiff: "exec" requires a minimum of 1 argument(s)'],
  ])('argument count: %j', async (argv, message) => {
    expect(await cli(...argv)).toBe(1);
    expect(out.startsWith('Incorrect Usage.\n\n')).toBe(true);
    expect(err).toBe(`${message}\n`);
    expect(calls).toEqual([]);
  });

  test('an unknown flag after the id counts as an argument, as in runc', async () => {
    expect(await cli('state', 'c1', '--bogus')).toBe(1);
    expect(err).toBe('skiff: "state" requires exactly 1 argument(s)\n');
  });

  test('<command> --help prints its help and runs nothing', async () => {
    expect(await cli('kill', '--help')).toBe(0);
    expect(out).toContain('kill');
    expect(calls).toEqual([]);
  });

  test('the command runs with global options, its arguments and camelCase options', async () => {
    behaviour = async () => 7;
    expect(await cli('--log-format', 'json', '--debug', 'delete', 'c1', '-f')).toBe(7);
    expect(calls).toHaveLength(1);
    const [c] = calls;
    expect(c.command).toBe('delete');
    expect(c.args).toEqual(['c1']);
    expect(c.opts).toEqual({ force: true });
    expect(c.g).toMatchObject({ root: path.join(tmp, 'root'), logFormat: 'json', debug: true, systemdCgroup: false, rootless: 'auto' });
  });

  test('finalize: kill defaults to SIGTERM; create gets an absolute bundle and pid file', async () => {
    await cli('kill', 'c1');
    expect(calls[0].args).toEqual(['c1', 'SIGTERM']);
    await cli('create', 'c2', '-b', 'rel/bundle', '--pid-file', 'p.pid', '-no-new-keyring');
    expect(calls[1].args).toEqual(['c2']);
    expect(calls[1].opts).toMatchObject({
      bundle: path.resolve('rel/bundle'), pidFile: path.resolve('p.pid'), noNewKeyring: true, noPivot: false, preserveFds: 0,
    });
    await cli('create', 'c3');
    expect(calls[2].opts.bundle).toBe(process.cwd());
  });

  test('exec keeps everything after the container id for the command', async () => {
    await cli('exec', '-e', 'A=1', 'c1', 'ls', '-l', '--color');
    expect(calls[0].args).toEqual(['c1', 'ls', '-l', '--color']);
    expect(calls[0].opts.env).toEqual(['A=1']);
  });

  test('a failing command: its prefix, message on stderr and in the log, exit 1', async () => {
    behaviour = async () => {
      throw new Error('boom');
    };
    expect(await cli('create', 'c1')).toBe(1);
    expect(err).toBe('skiff create failed: boom\n');
    expect(logLines.join('')).toContain('msg="skiff create failed: boom"');
  });

  test('an error\'s own exit code wins; exec fails with 255 by default', async () => {
    behaviour = async () => {
      throw new RuntimeError('nope', 42);
    };
    expect(await cli('state', 'c1')).toBe(42);
    behaviour = async () => {
      throw new Error('exec broke');
    };
    expect(await cli('exec', 'c1', 'true')).toBe(255);
    expect(err).toContain('exec failed: exec broke\n');
  });

  test('--root / is refused', async () => {
    expect(await runCli(['--root', '/', 'list'], { io, loadCommand })).toBe(1);
    expect(err).toBe('Option --root argument should not be set to /\n');
    expect(calls).toEqual([]);
  });

  test('an invalid --log-format is refused', async () => {
    expect(await cli('--log-format', 'xml', 'list')).toBe(1);
    expect(err).toBe('invalid log-format: xml\n');
  });

  test('--log FILE --log-format json: JSON lines in the file, and the message on stderr too', async () => {
    log.setSink(undefined);
    const file = path.join(tmp, 'log.json');
    expect(await runCli(['--root', path.join(tmp, 'root'), '--log', file, '--log-format', 'json', 'nope'], { io, loadCommand })).toBe(3);
    expect(err).toBe("No help topic for 'nope'\n");
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(Object.keys(entry)).toEqual(['level', 'msg', 'time']);
    expect(entry).toMatchObject({ level: 'error', msg: "No help topic for 'nope'" });
  });

  test('a command skiff does not implement fails with "not supported" by the default loader', async () => {
    expect(await runCli(['--root', path.join(tmp, 'root'), 'checkpoint', 'c1'], { io })).toBe(1);
    expect(err).toBe('checkpoint is not supported by skiff\n');
  });
});
