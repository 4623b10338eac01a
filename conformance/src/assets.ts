/**
 * Builds (once, cached) the two things every bundle is made of: the static
 * checker program and a busybox root filesystem that holds it.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { conformanceDir } from './requirements';

export interface Assets {
  checker: string;
  rootfs: string;
}

function hashOf(...parts: Array<string | Buffer>): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 12);
}

export function defaultCacheDir(): string {
  if (process.env.SKIFF_CONFORMANCE_CACHE) return process.env.SKIFF_CONFORMANCE_CACHE;
  // <repo>/.cache/conformance when run from the repository, which git ignores.
  const repo = path.dirname(conformanceDir());
  return path.join(repo, '.cache', 'conformance');
}

export function buildAssets(cacheDir: string, busybox = '/bin/busybox'): Assets {
  fs.mkdirSync(cacheDir, { recursive: true });
  const src = path.join(conformanceDir(), 'checker', 'checker.c');
  const code = fs.readFileSync(src);
  const checker = path.join(cacheDir, `checker-${hashOf(code)}`);
  if (!fs.existsSync(checker)) {
    const tmp = `${checker}.tmp${process.pid}`;
    const r = spawnSync('gcc', ['-static', '-O2', '-Wall', '-o', tmp, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot compile the checker (gcc -static): ${r.stderr || r.error}`);
    fs.renameSync(tmp, checker);
  }

  if (!fs.existsSync(busybox)) throw new Error(`busybox not found at ${busybox} (install busybox-static)`);
  const st = fs.statSync(busybox);
  const rootfs = path.join(cacheDir, `rootfs-${hashOf(String(st.size), String(st.mtimeMs), path.basename(checker), 'v2')}`);
  if (!fs.existsSync(path.join(rootfs, 'checker'))) {
    const work = fs.mkdtempSync(path.join(cacheDir, '.rootfs-'));
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'home', 'var', 'run', 'mnt']) {
      fs.mkdirSync(path.join(work, d), { recursive: true });
    }
    fs.chmodSync(path.join(work, 'tmp'), 0o1777);
    fs.copyFileSync(busybox, path.join(work, 'bin', 'busybox'));
    fs.chmodSync(path.join(work, 'bin', 'busybox'), 0o755);
    const list = spawnSync(busybox, ['--list-full'], { encoding: 'utf8' });
    for (const applet of (list.stdout || '').split('\n').filter(Boolean)) {
      const dest = path.join(work, applet);
      if (fs.existsSync(dest)) continue;
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      const rel = path.relative(path.dirname(dest), path.join(work, 'bin', 'busybox'));
      fs.symlinkSync(rel, dest);
    }
    fs.copyFileSync(checker, path.join(work, 'checker'));
    fs.chmodSync(path.join(work, 'checker'), 0o755);
    fs.writeFileSync(path.join(work, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    fs.writeFileSync(path.join(work, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    fs.writeFileSync(path.join(work, 'etc', 'hostname'), 'rootfs\n');
    fs.chmodSync(work, 0o755);
    try {
      fs.renameSync(work, rootfs);
    } catch {
      fs.rmSync(work, { recursive: true, force: true }); // another run won the race
    }
  }
  return { checker, rootfs };
}
