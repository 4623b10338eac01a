/**
 * skiff-init before skiff's first record holds both ends of its own plan channel (so that skiff's
 * opens of it cannot block): if skiff is killed then, skiff-init must not wait for it forever.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, sleepSync } from '../helpers';

const SHIM = process.env.SKIFF_INIT ?? path.join(REPO_ROOT, 'bin', 'skiff-init');

/** Gone, or a zombie nobody has reaped yet. */
function dead(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

it('a skiff-init whose skiff dies before sending a record dies too', () => {
  // sh stands in for skiff: it starts skiff-init as skiff does (fds from 3 closed, the channel's
  // base and the parent's pid in the environment), lets it settle into waiting, and exits.
  const script = '_SKIFF_SYNC_FD=3 _SKIFF_PARENT=$$ "$0" </dev/null >/dev/null 2>&1 & echo $!; sleep 0.3';
  const r = spawnSync('sh', ['-c', script, SHIM], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim());
  expect(pid).toBeGreaterThan(0);
  try {
    const deadline = Date.now() + 5000;
    while (!dead(pid) && Date.now() < deadline) sleepSync(20);
    expect(dead(pid)).toBe(true);
  } finally {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
});
