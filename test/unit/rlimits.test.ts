/** rlimitNumber: RLIMIT_* names to Linux resource numbers. */
import { rlimitNumber } from '../../src/process/rlimits';

describe('rlimitNumber', () => {
  test.each([
    ['RLIMIT_CPU', 0], ['RLIMIT_FSIZE', 1], ['RLIMIT_DATA', 2], ['RLIMIT_STACK', 3], ['RLIMIT_CORE', 4],
    ['RLIMIT_RSS', 5], ['RLIMIT_NPROC', 6], ['RLIMIT_NOFILE', 7], ['RLIMIT_MEMLOCK', 8], ['RLIMIT_AS', 9],
    ['RLIMIT_LOCKS', 10], ['RLIMIT_SIGPENDING', 11], ['RLIMIT_MSGQUEUE', 12], ['RLIMIT_NICE', 13],
    ['RLIMIT_RTPRIO', 14], ['RLIMIT_RTTIME', 15],
  ])('%s is %d', (name, n) => {
    expect(rlimitNumber(name)).toBe(n);
  });

  test.each(['RLIMIT_BOGUS', 'NOFILE', 'rlimit_nofile', ''])('%j is refused', (name) => {
    expect(() => rlimitNumber(name)).toThrow(`process.rlimits: unknown rlimit type "${name}"`);
  });

  // BUG (latent; src/process/rlimits.ts:9): the table is a plain object, so names of Object.prototype
  // members are found: rlimitNumber('toString') returns a function and '__proto__' an object instead of
  // throwing. The schema's enum keeps such names out of config.json today. Fix: look up with
  // Object.hasOwn(RLIMITS, type) (or make the table a Map / Object.create(null)). The same pattern is in
  // mount-options.ts (`opt in SET`: an option "constructor" is silently dropped instead of passed as
  // data) and namespaces.ts (`KINDS[ns.type]`).
  test.each(['toString', '__proto__', 'constructor'])('%j is refused', (name) => {
    expect(() => rlimitNumber(name)).toThrow(`process.rlimits: unknown rlimit type "${name}"`);
  });
});
