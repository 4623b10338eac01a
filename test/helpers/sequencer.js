'use strict';
/**
 * Test order for `jest --runInBand`: unit tests first (fast, no root needed),
 * then the end-to-end files by name, and test/e2e/zz-nothing-left.test.ts last,
 * so its check that the run left nothing on the host sees every other file's
 * leftovers. Enabled by `testSequencer: '<rootDir>/test/helpers/sequencer.js'`
 * in jest.config.js.
 */
const Sequencer = require('@jest/test-sequencer').default;

const FINAL = 'zz-nothing-left.test.ts';

function rank(testPath) {
  if (testPath.endsWith(FINAL)) return 2;
  if (testPath.includes('/test/e2e/')) return 1;
  return 0;
}

class SkiffSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

module.exports = SkiffSequencer;
