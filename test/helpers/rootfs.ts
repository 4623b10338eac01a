/**
 * Busybox root filesystems for test bundles. Building one takes ~270 symlinks
 * and a 2 MB copy, so one copy is built per busybox binary (and per version of
 * the build script) and each bundle gets a `cp -a` of it.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { REPO_ROOT } from './names';

// Plain Node script shared with the README demo; required (not imported) so tsc
// does not pull it into dist.
const { buildRootfs } = require('../../scripts/make-rootfs.js') as {
  buildRootfs(root: string, options?: { busybox?: string }): { applets: number };
};

export function busyboxBinary(): string {
  return process.env.SKIFF_BUSYBOX || '/bin/busybox';
}

/**
 * Where pristine rootfs copies are kept between runs: <repo>/.cache/test-rootfs
 * (ignored by git), outside /tmp so that the leftover check never mistakes it
 * for something a test forgot.
 */
export function rootfsCacheDir(): string {
  return process.env.SKIFF_TEST_CACHE || path.join(REPO_ROOT, '.cache', 'test-rootfs');
}

/** Changes whenever busybox or the build script changes, so a stale cache is never used. */
function cacheKey(busybox: string): string {
  const stat = fs.statSync(busybox);
  const script = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'make-rootfs.js'));
  const scriptHash = crypto.createHash('sha256').update(script).digest('hex').slice(0, 12);
  return `rootfs-${Math.floor(stat.mtimeMs)}-${stat.size}-${scriptHash}`;
}

/** Path of the cached pristine rootfs, building it first if needed. Never modify it. */
export function cachedBusyboxRootfs(): string {
  const busybox = busyboxBinary();
  const cacheDir = rootfsCacheDir();
  const finalDir = path.join(cacheDir, cacheKey(busybox));
  if (fs.existsSync(path.join(finalDir, 'bin', 'busybox'))) return finalDir;

  fs.mkdirSync(cacheDir, { recursive: true });
  // Build beside the final place and rename: parallel jest workers may race here.
  const work = fs.mkdtempSync(path.join(cacheDir, '.building-'));
  try {
    const tree = path.join(work, 'rootfs');
    buildRootfs(tree, { busybox });
    fs.chmodSync(tree, 0o755);
    try {
      fs.renameSync(tree, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err; // another worker won the race
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return finalDir;
}

/** Fills `dir` (created if missing) with a busybox rootfs copied from the cache. */
export function buildBusyboxRootfs(dir: string): void {
  const source = cachedBusyboxRootfs();
  fs.mkdirSync(dir, { recursive: true });
  // cp -a keeps symlinks, modes and ownership exactly; "src/." copies the contents.
  const cp = spawnSync('cp', ['-a', `${source}/.`, dir], { encoding: 'utf8', timeout: 60000 });
  if (cp.status !== 0) throw new Error(`cp -a ${source} ${dir} failed: ${cp.stderr || cp.error?.message}`);
}

/** Writes extra files into a rootfs (paths relative to its root); parent dirs are created. */
export function addFiles(rootfs: string, files: Record<string, string | Buffer>, mode = 0o644): void {
  for (const [relPath, content] of Object.entries(files)) {
    const target = path.join(rootfs, relPath.replace(/^\/+/, ''));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode });
  }
}
