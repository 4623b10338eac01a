/** Go-style flag parsing: parseFlags, reorderArgs, splitFlagToken, camelCase, parseGoDuration. */
import { camelCase, FlagParseError, FlagSpec, parseFlags, parseGoDuration, reorderArgs, splitFlagToken } from '../../src/cli/argv';
import { findCommand } from '../../src/cli/program';

const FLAGS: FlagSpec[] = [
  { name: 'detach', alias: 'd', kind: 'bool', default: false, usage: '' },
  { name: 'no-subreaper', kind: 'bool', default: false, usage: '' },
  { name: 'no-new-privs', kind: 'bool', usage: '' },
  { name: 'bundle', alias: 'b', kind: 'string', usage: '' },
  { name: 'pid-file', kind: 'string', usage: '' },
  { name: 'format', alias: 'f', kind: 'string', default: 'table', usage: '' },
  { name: 'preserve-fds', kind: 'int', default: 0, usage: '' },
  { name: 'interval', kind: 'duration', default: 5000, usage: '' },
  { name: 'env', alias: 'e', kind: 'stringSlice', default: ['A=default'], usage: '' },
  { name: 'additional-gids', alias: 'g', kind: 'intSlice', default: [], usage: '' },
];

const parse = (...args: string[]) => parseFlags(FLAGS, args);
const error = (...args: string[]): string => {
  try {
    parse(...args);
  } catch (e) {
    expect(e).toBeInstanceOf(FlagParseError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('camelCase and splitFlagToken', () => {
  test('camelCase', () => {
    expect(camelCase('pid-file')).toBe('pidFile');
    expect(camelCase('no-new-keyring')).toBe('noNewKeyring');
    expect(camelCase('l3-cache-schema')).toBe('l3CacheSchema');
    expect(camelCase('debug')).toBe('debug');
  });

  test('splitFlagToken', () => {
    expect(splitFlagToken('--pid-file=/x')).toEqual({ name: 'pid-file', value: '/x' });
    expect(splitFlagToken('-d')).toEqual({ name: 'd' });
    expect(splitFlagToken('--env=A=B')).toEqual({ name: 'env', value: 'A=B' });
    expect(splitFlagToken('--x=')).toEqual({ name: 'x', value: '' });
    expect(splitFlagToken('--')).toBeNull();
    expect(splitFlagToken('-')).toBeNull();
    expect(splitFlagToken('c1')).toBeNull();
  });
});

describe('parseFlags', () => {
  test('defaults are filled in; flags without a default stay undefined', () => {
    const p = parse();
    expect(p.values).toEqual({ detach: false, noSubreaper: false, format: 'table', preserveFds: 0, interval: 5000, env: ['A=default'], additionalGids: [] });
    expect(p.values.noNewPrivs).toBeUndefined();
    expect(p.seen.size).toBe(0);
    expect(p.rest).toEqual([]);
  });

  test('default lists are copies', () => {
    (parse().values.env as string[]).push('X');
    expect(parse().values.env).toEqual(['A=default']);
  });

  test('one or two dashes, = or a separate argument', () => {
    for (const args of [['--pid-file=/p'], ['--pid-file', '/p'], ['-pid-file=/p'], ['-pid-file', '/p']]) {
      const p = parse(...args, 'c1');
      expect(p.values.pidFile).toBe('/p');
      expect(p.rest).toEqual(['c1']);
      expect(p.seen).toEqual(new Set(['pid-file']));
    }
  });

  test('single-dash long bool flag (-no-subreaper) and aliases', () => {
    const p = parse('-no-subreaper', '-d', '-b', '/bundle', 'c1');
    expect(p.values).toMatchObject({ noSubreaper: true, detach: true, bundle: '/bundle' });
    expect(p.seen).toEqual(new Set(['no-subreaper', 'detach', 'bundle']));
    expect(p.rest).toEqual(['c1']);
  });

  test('bool flags take =value in Go spellings, never a separate argument', () => {
    expect(parse('--detach=false').values.detach).toBe(false);
    expect(parse('--detach=0').values.detach).toBe(false);
    expect(parse('--detach=F').values.detach).toBe(false);
    expect(parse('--detach=T').values.detach).toBe(true);
    expect(parse('--detach=TRUE').values.detach).toBe(true);
    expect(parse('--no-new-privs=false').values.noNewPrivs).toBe(false);
    const p = parse('--detach', 'false');
    expect(p.values.detach).toBe(true);
    expect(p.rest).toEqual(['false']);
    expect(error('--detach=yes')).toBe('invalid boolean value "yes" for -detach: parse error');
    expect(error('--detach=')).toBe('invalid boolean value "" for -detach: parse error');
  });

  test('a value flag takes the next argument even if it starts with a dash', () => {
    const p = parse('--pid-file', '-d', 'c1');
    expect(p.values.pidFile).toBe('-d');
    expect(p.values.detach).toBe(false);
    expect(p.rest).toEqual(['c1']);
    expect(parse('--pid-file=').values.pidFile).toBe('');
  });

  test('parsing stops at the first non-flag, at "-" and after "--"', () => {
    expect(parse('c1', '-d').rest).toEqual(['c1', '-d']);
    expect(parse('c1', '-d').values.detach).toBe(false);
    expect(parse('-d', '-', '-d').rest).toEqual(['-', '-d']);
    const p = parse('-d', '--', '-b', 'x');
    expect(p.values.detach).toBe(true);
    expect(p.rest).toEqual(['-b', 'x']);
  });

  test('errors worded like Go\'s flag package', () => {
    expect(error('--nope')).toBe('flag provided but not defined: -nope');
    expect(error('-qf')).toBe('flag provided but not defined: -qf');
    expect(error('--pid-file')).toBe('flag needs an argument: -pid-file');
    expect(error('---d')).toBe('bad flag syntax: ---d');
    expect(error('-=x')).toBe('bad flag syntax: -=x');
    expect(error('--=x')).toBe('bad flag syntax: --=x');
  });

  test('the last use of a scalar flag wins', () => {
    expect(parse('-b', 'one', '--bundle=two').values.bundle).toBe('two');
  });

  test('int flags parse like strconv.ParseInt(s, 0, 64)', () => {
    const n = (v: string) => parse(`--preserve-fds=${v}`).values.preserveFds;
    expect(n('3')).toBe(3);
    expect(n('0x10')).toBe(16);
    expect(n('0o17')).toBe(15);
    expect(n('010')).toBe(8);
    expect(n('0b101')).toBe(5);
    expect(n('-2')).toBe(-2);
    expect(n('+7')).toBe(7);
    expect(n('0x_ff')).toBe(255);
    expect(error('--preserve-fds=abc')).toBe('invalid value "abc" for flag -preserve-fds: parse error');
    expect(error('--preserve-fds=1_000')).toBe('invalid value "1_000" for flag -preserve-fds: parse error');
    expect(error('--preserve-fds=08')).toBe('invalid value "08" for flag -preserve-fds: parse error');
    expect(error('--preserve-fds=')).toBe('invalid value "" for flag -preserve-fds: parse error');
    expect(error('--preserve-fds=9223372036854775808')).toBe(
      'invalid value "9223372036854775808" for flag -preserve-fds: value out of range',
    );
  });

  test('duration flags are milliseconds', () => {
    expect(parse('--interval', '1m30s').values.interval).toBe(90_000);
    expect(parse('--interval=250ms').values.interval).toBe(250);
    expect(error('--interval=5')).toBe('invalid value "5" for flag -interval: parse error');
  });

  test('slice flags accumulate; the first use replaces the default', () => {
    expect(parse('-e', 'X=1', '--env=Y=2').values.env).toEqual(['X=1', 'Y=2']);
    expect(parse('-g', '10', '--additional-gids', '0x14').values.additionalGids).toEqual([10, 20]);
    expect(error('-g', 'x')).toBe('invalid value "x" for flag -additional-gids: parse error');
  });
});

describe('parseGoDuration', () => {
  test.each([
    ['0', 0], ['-0', 0], ['1s', 1000], ['1.5s', 1500], ['.5s', 500], ['1.s', 1000], ['-1.5h', -5_400_000],
    ['1h2m3s4ms', 3_723_004], ['1000us', 1], ['1000µs', 1], ['2000000ns', 2], ['+3m', 180_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  test.each(['', '5', 's', '1x', '1.2.3s', '.s', '1s2', '--1s', '1 s', 'h1'])('%j is not a duration', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('reorderArgs', () => {
  test('known flags and their values move in front of the positional arguments', () => {
    expect(reorderArgs(FLAGS, ['c1', '-d'])).toEqual(['-d', 'c1']);
    expect(reorderArgs(FLAGS, ['c1', '--pid-file', '/p', '-no-subreaper'])).toEqual(['--pid-file', '/p', '-no-subreaper', 'c1']);
    expect(reorderArgs(FLAGS, ['c1', '--pid-file=/p', 'extra'])).toEqual(['--pid-file=/p', 'c1', 'extra']);
    expect(reorderArgs(FLAGS, ['-b', 'b', 'c1'])).toEqual(['-b', 'b', 'c1']);
  });

  test('a bool flag does not carry the next argument', () => {
    expect(reorderArgs(FLAGS, ['-d', 'c1'])).toEqual(['-d', 'c1']);
  });

  test('unknown dash arguments stay positional', () => {
    expect(reorderArgs(FLAGS, ['c1', '--bogus', '-d'])).toEqual(['-d', 'c1', '--bogus']);
  });

  test('everything after -- stays positional, in order', () => {
    expect(reorderArgs(FLAGS, ['c1', '-d', '--', '-b', 'x'])).toEqual(['-d', '--', 'c1', '-b', 'x']);
  });

  test('a value flag at the very end keeps its missing value for parseFlags to report', () => {
    const args = reorderArgs(FLAGS, ['c1', '--pid-file']);
    expect(args).toEqual(['--pid-file', 'c1']);
    // Go would also take c1 as the value here, as runc does.
    expect(parseFlags(FLAGS, args).values.pidFile).toBe('c1');
  });

  test('with run\'s flag table: flags after the container id', () => {
    const run = findCommand('run')!;
    const p = parseFlags(run.flags, reorderArgs(run.flags, ['c1', '-d', '--pid-file', 'p', '-no-subreaper', '--keep', '-b', '/b']));
    expect(p.rest).toEqual(['c1']);
    expect(p.values).toMatchObject({ detach: true, pidFile: 'p', noSubreaper: true, keep: true, bundle: '/b' });
  });
});
