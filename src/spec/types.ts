/** The config, process, state and features types generated from schemas/ (see scripts/gen-spec.js). */
export * from './generated/types';
