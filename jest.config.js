/** Unit tests run the TypeScript sources on Node; end-to-end tests drive bin/skiff. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60000,
  // The check that nothing was left behind runs after every other test file.
  testSequencer: '<rootDir>/test/helpers/sequencer.js',
};
