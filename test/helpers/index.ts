/** One import for test files: `import { useE2E, makeBundle, uniqueName, ... } from '../helpers';` */
export * from './bundle';
export * from './cleanup';
export * from './default-config';
export * from './e2e';
export * from './host';
export * from './leftovers';
export * from './mountinfo';
export * from './names';
export * from './processes';
export * from './rootfs';
export * from './script-runner';
export * from './runtime';
export * from './subreaper';
export * from './c-helpers';
