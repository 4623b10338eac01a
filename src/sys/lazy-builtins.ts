/**
 * node:fs and node:path, loaded on first use rather than when skiff starts.
 *
 * Under bun (bin/skiff) loading node:fs costs ~1 ms and node:path ~0.4 ms (bun builds them from
 * source at run time): more than all of `skiff state`'s own work. The modules every command loads
 * import these two objects instead of the builtins, so a command that never touches them (state,
 * kill: see quick-files.ts) never pays for them; the rest pay on first use, as before.
 */
import type * as Fs from 'fs';
import type * as Path from 'path';

function lazy<T extends object>(load: () => T): T {
  let loaded: T | undefined;
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get((loaded ??= load()), key),
  });
}

export const fs: typeof Fs = lazy(() => require('fs'));
export const path: typeof Path = lazy(() => require('path'));
