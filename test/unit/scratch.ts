/**
 * Per-test scratch for unit tests that need real files and processes: a fresh temp dir, and the
 * child processes a test starts, killed and awaited after it (also when it fails).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ChildProcess } from 'child_process';

export function useScratch(prefix: string): { tmp: string; children: ChildProcess[] } {
  const fx = { tmp: '', children: [] as ChildProcess[] };
  beforeEach(() => {
    fx.tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fx.children = [];
  });
  afterEach(async () => {
    for (const c of fx.children) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((resolve) => c.once('exit', resolve));
        c.kill('SIGKILL');
        await gone;
      }
    }
    fs.rmSync(fx.tmp, { recursive: true, force: true });
  });
  return fx;
}
