/**
 * create, run and exec behind one dynamic import: the bundler then puts the code only they use
 * (the plan, the shim channel, cgroup setup) in one chunk instead of a dozen, and each
 * chunk loaded on demand costs bun a fixed share of a millisecond.
 */
export * as create from './create';
export * as run from './run';
export * as exec from './exec';
