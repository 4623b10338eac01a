/**
 * `skiff spec [-b DIR] [--rootless]`: write a starter config.json into the bundle
 * directory (the current directory by default). An existing config.json is never
 * overwritten. Output is tab-indented without a trailing newline, as runc writes it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { GlobalOptions } from './context';
import { RuntimeError } from './errors';
import type { SpecOptions } from './program';
import { defaultSpec, isCgroup2UnifiedHost, toRootless } from '../spec/defaults';

const CONFIG_NAME = 'config.json';

export async function run(_g: GlobalOptions, _args: string[], opts: Record<string, any>): Promise<number> {
  const { bundle, rootless } = opts as SpecOptions;
  const dir = bundle ? path.resolve(bundle) : process.cwd();
  if (bundle) {
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      throw new RuntimeError(`chdir ${bundle}: no such file or directory`);
    }
    if (!isDir) throw new RuntimeError(`chdir ${bundle}: not a directory`);
  }

  let spec = defaultSpec({ cgroupNamespace: isCgroup2UnifiedHost() });
  if (rootless) spec = toRootless(spec, process.geteuid!(), process.getegid!());

  const file = path.join(dir, CONFIG_NAME);
  const text = JSON.stringify(spec, null, '\t');
  try {
    // 'wx' refuses an existing file (or a dangling symlink) instead of overwriting it.
    fs.writeFileSync(file, text, { flag: 'wx', mode: 0o666 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RuntimeError(`File ${CONFIG_NAME} exists. Remove it first`);
    }
    throw err;
  }
  return 0;
}
