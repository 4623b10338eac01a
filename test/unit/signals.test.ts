/** parseSignal: signal names and numbers as `skiff kill` takes them. */
import * as os from 'os';
import { parseSignal, SIGNAL_NUMBERS } from '../../src/process/signals';

test("skiff's signal table is this host's", () => {
  expect(SIGNAL_NUMBERS).toEqual(os.constants.signals);
});

describe('parseSignal', () => {
  test.each([
    ['KILL', 9], ['SIGKILL', 9], ['kill', 9], ['sigkill', 9], ['SigTerm', 15], ['TERM', 15],
    ['HUP', 1], ['INT', 2], ['QUIT', 3], ['USR1', 10], ['USR2', 12], ['CHLD', 17], ['CONT', 18],
    ['STOP', 19], ['WINCH', 28], ['PWR', 30], ['SYS', 31], ['IOT', 6], ['POLL', 29],
  ])('name %s is %d', (name, n) => {
    expect(parseSignal(name)).toBe(n);
  });

  test.each([['0', 0], ['1', 1], ['9', 9], ['15', 15], ['009', 9], ['34', 34], ['64', 64]])('number %s is %d', (raw, n) => {
    expect(parseSignal(raw)).toBe(n);
  });

  test.each([
    ['RTMIN', 34], ['SIGRTMIN', 34], ['RTMIN+1', 35], ['rtmin+15', 49], ['SIGRTMIN+30', 64],
    ['RTMAX', 64], ['SIGRTMAX-1', 63], ['RTMAX-14', 50], ['RTMAX-30', 34],
  ])('real-time signal %s is %d', (name, n) => {
    expect(parseSignal(name)).toBe(n);
  });

  test.each(['', '65', '100', '-9', '9x', 'FOO', 'SIG', 'SIGFOO', 'KILL ', ' 9', '+9', '1.5', 'RTMIN+', 'RTMIN-1', 'RTMAX+1', 'SIGSIGKILL'])(
    'bad input %j is an error naming it',
    (raw) => {
      expect(() => parseSignal(raw)).toThrow(`unknown signal "${raw}"`);
    },
  );

  // BUG (src/process/signals.ts:12-13): the offset of RTMIN+n / RTMAX-n is not bounded, so names past
  // the real-time range give numbers that are not real-time signals: RTMIN+31 is 65 (no such signal),
  // RTMAX-40 is 24 (SIGXCPU). Fix: accept only 0 <= n <= 30 (64 - 34), else "unknown signal".
  test.each(['RTMIN+31', 'SIGRTMIN+100', 'RTMAX-31', 'RTMAX-40'])('%s is out of the real-time range', (raw) => {
    expect(() => parseSignal(raw)).toThrow(`unknown signal "${raw}"`);
  });
});
