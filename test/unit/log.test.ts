/** The logger: logrus-compatible text and JSON lines, levels, sinks and files, and forwarding a helper's log pipe. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatJson, formatText, goJsonString, goQuote, rfc3339 } from '../../src/log/format';
import { createLogForwarder, forwardLogLine } from '../../src/log/forward';
import { Logger, log } from '../../src/log';

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-log-'));
});

afterEach(() => {
  log.reset();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;

/**
 * A Date whose local time is the given wall clock at the given UTC offset (minutes east), so the
 * tests do not depend on the machine's time zone (jest's sandbox does not pass TZ changes on).
 */
function localDate(y: number, mo: number, d: number, h: number, mi: number, s: number, offsetEast: number): Date {
  const date = new Date(Date.UTC(y, mo, d, h, mi, s, 999) - offsetEast * 60_000);
  date.getFullYear = () => y;
  date.getMonth = () => mo;
  date.getDate = () => d;
  date.getHours = () => h;
  date.getMinutes = () => mi;
  date.getSeconds = () => s;
  date.getTimezoneOffset = () => -offsetEast;
  return date;
}
const at = localDate(2026, 11, 2, 6, 15, 5, 0);

function capture(format: 'text' | 'json', debug = false): { logger: Logger; lines: string[] } {
  const logger = new Logger();
  const lines: string[] = [];
  logger.configure({ format, debug });
  logger.setSink((l) => lines.push(l));
  return { logger, lines };
}

describe('rfc3339', () => {
  test('second precision, Z in UTC', () => {
    expect(rfc3339(at)).toBe('2026-12-02T06:15:05Z');
  });

  test('a numeric offset elsewhere', () => {
    // These dates fake a local zone through their getters; tell rfc3339 the zone is not UTC.
    expect(rfc3339(localDate(2026, 11, 2, 11, 45, 5, 330), false)).toBe('2026-12-02T11:45:05+05:30');
    expect(rfc3339(localDate(2026, 0, 9, 2, 45, 5, -210), false)).toBe('2026-01-09T02:45:05-03:30');
  });

  test('a real date: local wall clock', () => {
    const now = new Date();
    expect(rfc3339(now)).toMatch(RFC3339);
    expect(rfc3339(now).slice(11, 13)).toBe(String(now.getHours()).padStart(2, '0'));
  });
});

describe('JSON lines', () => {
  test('{"level","msg","time"} in that order, one line', () => {
    const line = formatJson({ time: at, level: 'error', msg: 'container does not exist' });
    expect(line).toBe('{"level":"error","msg":"container does not exist","time":"2026-12-02T06:15:05Z"}\n');
  });

  test('extra fields sorted among them; clashing names become fields.<name>', () => {
    const line = formatJson({ time: at, level: 'info', msg: 'm', fields: { pid: 42, zed: true, msg: 'x', a: 'b' } });
    expect(line).toBe('{"a":"b","fields.msg":"x","level":"info","msg":"m","pid":42,"time":"2026-12-02T06:15:05Z","zed":true}\n');
    expect(JSON.parse(line)).toMatchObject({ pid: 42, zed: true });
  });

  test('escaping like Go\'s encoding/json, and still valid JSON', () => {
    const msg = 'a "q" \\ <b> & \n\t\x01 \u2028 é 🚀';
    const line = formatJson({ time: at, level: 'warning', msg });
    expect(line).toContain('"msg":"a \\"q\\" \\\\ \\u003cb\\u003e \\u0026 \\n\\t\\u0001 \\u2028 é 🚀"');
    expect(JSON.parse(line).msg).toBe(msg);
    expect(goJsonString('\ud800x')).toBe('"\\ufffdx"');
  });

  test('a Logger in json format writes such lines', () => {
    const { logger, lines } = capture('json');
    logger.error('boom', { id: 'c1' });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]);
    expect(Object.keys(entry)).toEqual(['id', 'level', 'msg', 'time']);
    expect(entry).toMatchObject({ level: 'error', msg: 'boom', id: 'c1' });
    expect(entry.time).toMatch(RFC3339);
  });
});

describe('text lines', () => {
  test('time, level, msg, then sorted fields; bare values unquoted', () => {
    expect(formatText({ time: at, level: 'error', msg: 'container does not exist' })).toBe(
      'time="2026-12-02T06:15:05Z" level=error msg="container does not exist"\n',
    );
    expect(formatText({ time: at, level: 'debug', msg: 'ok', fields: { z: 1, a: 'x y', path: '/run/skiff' } })).toBe(
      'time="2026-12-02T06:15:05Z" level=debug msg=ok a="x y" path=/run/skiff z=1\n',
    );
  });

  test('goQuote escapes like Go\'s %q', () => {
    expect(goQuote('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(goQuote('\x00\x7f')).toBe('"\\x00\\x7f"');
    expect(goQuote('é日本')).toBe('"é日本"');
    expect(goQuote('\u200b')).toBe('"\\u200b"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
  });
});

describe('Logger', () => {
  test('info and above by default; debug only with debug', () => {
    const quiet = capture('text');
    quiet.logger.debug('d');
    quiet.logger.info('i');
    quiet.logger.warn('w');
    expect(quiet.lines.map((l) => /level=(\w+)/.exec(l)![1])).toEqual(['info', 'warning']);
    const loud = capture('text', true);
    loud.logger.debug('d');
    expect(loud.lines).toHaveLength(1);
    expect(loud.logger.isEnabled('debug')).toBe(true);
  });

  test('writesToStderr: true by default, false with a sink or a file', () => {
    const logger = new Logger();
    expect(logger.writesToStderr()).toBe(true);
    logger.setSink(() => {});
    expect(logger.writesToStderr()).toBe(false);
    logger.reset();
    expect(logger.writesToStderr()).toBe(true);
    logger.configure({ file: path.join(tmp, 'x.log'), format: 'text', debug: false });
    expect(logger.writesToStderr()).toBe(false);
    logger.reset();
  });

  test('a log file is appended to, created 0644', () => {
    const file = path.join(tmp, 'skiff.log');
    fs.writeFileSync(file, 'earlier\n');
    const logger = new Logger();
    logger.configure({ file, format: 'json', debug: false });
    logger.error('one');
    logger.info('two');
    logger.reset();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('earlier');
    expect(JSON.parse(lines[1])).toMatchObject({ level: 'error', msg: 'one' });
    expect(JSON.parse(lines[2])).toMatchObject({ level: 'info', msg: 'two' });
    const other = path.join(tmp, 'new.log');
    const l2 = new Logger();
    l2.configure({ file: other, format: 'text', debug: false });
    l2.reset();
    expect(fs.statSync(other).mode & 0o777).toBe(0o644 & ~process.umask());
  });

  test('an unopenable log file throws', () => {
    const logger = new Logger();
    expect(() => logger.configure({ file: path.join(tmp, 'no', 'such', 'dir.log'), format: 'text', debug: false })).toThrow(/ENOENT/);
  });
});

describe('forwarding a helper\'s log lines', () => {
  test('JSON lines keep their level, message and scalar fields; levels are mapped', () => {
    const { logger, lines } = capture('json', true);
    forwardLogLine(logger, '{"level":"debug","msg":"nsexec started","pid":7,"obj":{"x":1}}\n');
    forwardLogLine(logger, '{"level":"warn","msg":"w"}');
    forwardLogLine(logger, '{"level":"panic","msg":"p"}');
    forwardLogLine(logger, '{"level":"weird","msg":"fallback level"}');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'nsexec started', pid: 7 }),
      expect.objectContaining({ level: 'warning', msg: 'w' }),
      expect.objectContaining({ level: 'fatal', msg: 'p' }),
      expect.objectContaining({ level: 'error', msg: 'fallback level' }),
    ]);
    expect(JSON.parse(lines[0]).obj).toBeUndefined();
  });

  test('other lines are logged verbatim at the fallback level; blank lines are dropped', () => {
    const { logger, lines } = capture('json');
    forwardLogLine(logger, 'plain text\r\n', 'warning');
    forwardLogLine(logger, '{not json', 'info');
    forwardLogLine(logger, '{"msg":5}');
    forwardLogLine(logger, '   \n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'warning', msg: 'plain text' }),
      expect.objectContaining({ level: 'info', msg: '{not json' }),
      expect.objectContaining({ level: 'error', msg: '{"msg":5}' }),
    ]);
  });

  test('createLogForwarder: whole lines as they arrive, UTF-8 split across chunks, flush for the rest', () => {
    const { logger, lines } = capture('json');
    const feed = createLogForwarder(logger);
    const bytes = Buffer.from('{"level":"error","msg":"héllo 🚀"}\nsecond line\npartial');
    for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1));
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['héllo 🚀', 'second line']);
    feed.flush();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['héllo 🚀', 'second line', 'partial']);
    feed.flush();
    expect(lines).toHaveLength(3);
  });
});
