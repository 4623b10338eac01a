/** lockContainer: an O_EXCL lock file with the owner's pid; a dead owner's lock is taken over. */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { lockContainer } from '../../src/container/lock';
import { procStat } from '../../src/container/proc-stat';
import { useScratch } from './scratch';

const fx = useScratch('skiff-lock-');

const lockFile = () => path.join(fx.tmp, 'lock');

describe('lockContainer', () => {
  test('writes our pid into <dir>/lock; release removes it', () => {
    const release = lockContainer(fx.tmp);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    expect(fs.statSync(lockFile()).mode & 0o777).toBe(0o600);
    release();
    expect(fs.existsSync(lockFile())).toBe(false);
    // Releasing twice is harmless; the lock can be taken again.
    release();
    lockContainer(fx.tmp)();
  });

  test('a missing container directory: "container does not exist"', () => {
    expect(() => lockContainer(path.join(fx.tmp, 'absent'))).toThrow('container does not exist');
  });

  test('a lock held by a live process is waited for, then refused naming the owner', () => {
    const owner = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    fx.children.push(owner);
    fs.writeFileSync(lockFile(), String(owner.pid));
    const started = Date.now();
    expect(() => lockContainer(fx.tmp, 150)).toThrow(`container is locked by another skiff process (pid ${owner.pid})`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    // The owner's lock is left in place.
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(String(owner.pid));
  });

  test('a lock we hold ourselves is not re-entrant', () => {
    const release = lockContainer(fx.tmp);
    try {
      expect(() => lockContainer(fx.tmp, 50)).toThrow(`(pid ${process.pid})`);
    } finally {
      release();
    }
  });

  test('a lock whose owner died is taken over', () => {
    const dead = spawnSync('/bin/true').pid!;
    fs.writeFileSync(lockFile(), String(dead));
    const release = lockContainer(fx.tmp, 1000);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
  });

  test('a lock whose owner is a zombie (exited, not yet reaped) is taken over', async () => {
    // The shell's background child is never reaped by the `sleep` the shell becomes.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    fx.children.push(parent);
    const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    const deadline = Date.now() + 5000;
    while (procStat(zombie)?.state !== 'Z') {
      if (Date.now() > deadline) throw new Error('no zombie');
      await new Promise((r) => setTimeout(r, 10));
    }
    fs.writeFileSync(lockFile(), String(zombie));
    const release = lockContainer(fx.tmp, 1000);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
  });

  test('a lock released while we wait is taken', async () => {
    const owner = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    fx.children.push(owner);
    fs.writeFileSync(lockFile(), String(owner.pid));
    // lockContainer blocks this thread, so let a helper process remove the lock file.
    const remover = spawn('/bin/sh', ['-c', `sleep 0.2; rm -f '${lockFile()}'`], { stdio: 'ignore' });
    fx.children.push(remover);
    const release = lockContainer(fx.tmp, 5000);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
  });

  // BUG (src/container/lock.ts:22-24, 35-38): the lock file is created empty and the pid written after,
  // so a skiff killed between openSync and writeSync (or a crash, or a full disk) leaves an empty lock.
  // Its owner reads as 0, which is never taken over: every later operation on the container waits the
  // full timeout and fails "locked by another skiff process (pid 0)", forever, contradicting "a killed
  // skiff never wedges a container". Fix: write the pid to a temporary file in the directory and
  // link(2) it to "lock" (atomic, EEXIST when held), so a lock file always holds its pid; or treat an
  // empty/unparsable lock older than a short grace period (mtime) as stale.
  test('an empty lock file left by a killed skiff does not wedge the container', () => {
    fs.writeFileSync(lockFile(), '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(), old, old);
    const release = lockContainer(fx.tmp, 200);
    release();
  });
});
