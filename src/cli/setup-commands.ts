/**
 * create, run and exec (and update and events, which share their cgroup and validation code) behind one
 * dynamic import: the bundler then puts the code only they use (the plan, the shim channel,
 * cgroup setup, the validators) in one chunk instead of several, and each chunk loaded on demand
 * costs bun a fixed share of a millisecond.
 */
export * as create from './create';
export * as run from './run';
export * as exec from './exec';
export * as update from './update';
export * as events from './events';
