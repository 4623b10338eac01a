/** liveStatus and proc-stat: the status comes from the live pid, its start time, the start FIFO and the freezer. */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { liveStatus } from '../../src/container/status';
import { isAlive, procStat } from '../../src/container/proc-stat';
import { START_FIFO, SavedState } from '../../src/container/state-file';
import { useScratch } from './scratch';

const fx = useScratch('skiff-status-');

/** A pid that existed and is gone (spawned, exited and reaped). */
function deadPid(): number {
  const r = spawnSync('/bin/true');
  expect(r.status).toBe(0);
  return r.pid!;
}

function ownStartTime(): number {
  return procStat(process.pid)!.startTime;
}

function state(extra: Partial<SavedState> = {}): SavedState {
  return {
    ociVersion: '1.3.0', id: 'c1', pid: process.pid, pidStartTime: ownStartTime(), bundle: fx.tmp, rootfs: fx.tmp,
    created: new Date().toISOString(), owner: 'root', phase: 'created', config: {}, ...extra,
  };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('procStat', () => {
  test('our own process: running or sleeping, a start time in clock ticks since boot', () => {
    const st = procStat(process.pid)!;
    expect(['R', 'S']).toContain(st.state);
    expect(Number.isInteger(st.startTime)).toBe(true);
    expect(st.startTime).toBeGreaterThan(0);
    expect(procStat(process.pid)!.startTime).toBe(st.startTime);
  });

  test('a dead pid is null', () => {
    expect(procStat(deadPid())).toBeNull();
  });

  test('a command name with spaces and parentheses is skipped correctly', async () => {
    const odd = path.join(fx.tmp, 'a) b (c');
    fs.symlinkSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    fx.children.push(child);
    await waitFor(() => /\(a\) b \(c\)/.test(fs.readFileSync(`/proc/${child.pid}/stat`, 'latin1')));
    const st = procStat(child.pid!)!;
    expect(['R', 'S']).toContain(st.state);
    const ourBoot = procStat(process.pid)!.startTime;
    expect(st.startTime).toBeGreaterThanOrEqual(ourBoot);
  });
});

describe('isAlive', () => {
  test('true for our pid and start time, false for another start time, pid 0 or a dead pid', () => {
    expect(isAlive(process.pid, ownStartTime())).toBe(true);
    expect(isAlive(process.pid, ownStartTime() + 1)).toBe(false);
    expect(isAlive(0, 0)).toBe(false);
    expect(isAlive(deadPid(), 0)).toBe(false);
  });

  test('false for a zombie', async () => {
    // The shell's background child is never reaped by the `sleep` the shell becomes.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    fx.children.push(parent);
    const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    await waitFor(() => procStat(zombie)?.state === 'Z');
    expect(isAlive(zombie, procStat(zombie)!.startTime)).toBe(false);
  });
});

describe('liveStatus', () => {
  test('a dead pid is stopped, whatever the saved phase', async () => {
    expect(await liveStatus(fx.tmp, state({ pid: deadPid(), phase: 'created' }))).toBe('stopped');
    expect(await liveStatus(fx.tmp, state({ pid: deadPid(), phase: 'creating' }))).toBe('stopped');
  });

  test('a live pid with another start time (a reused pid) is stopped', async () => {
    expect(await liveStatus(fx.tmp, state({ pidStartTime: ownStartTime() - 1 }))).toBe('stopped');
  });

  test('phase creating before the pid is known: creating while the skiff holding the lock lives, else stopped', async () => {
    const creating = state({ pid: 0, pidStartTime: 0, phase: 'creating' });
    expect(await liveStatus(fx.tmp, creating)).toBe('stopped'); // no lock: nobody is creating it
    fs.writeFileSync(path.join(fx.tmp, 'lock'), String(process.pid));
    expect(await liveStatus(fx.tmp, creating)).toBe('creating');
    fs.writeFileSync(path.join(fx.tmp, 'lock'), String(deadPid()));
    expect(await liveStatus(fx.tmp, creating)).toBe('stopped');
  });

  test('phase creating is creating', async () => {
    fs.writeFileSync(path.join(fx.tmp, START_FIFO), '');
    expect(await liveStatus(fx.tmp, state({ phase: 'creating' }))).toBe('creating');
  });

  test('created while the start FIFO exists, running after', async () => {
    fs.writeFileSync(path.join(fx.tmp, START_FIFO), '');
    expect(await liveStatus(fx.tmp, state())).toBe('created');
    fs.rmSync(path.join(fx.tmp, START_FIFO));
    expect(await liveStatus(fx.tmp, state())).toBe('running');
  });

  test('paused when the freezer says FROZEN (v1) or 1 (v2)', async () => {
    const freezerState = path.join(fx.tmp, 'freezer.state');
    const cgroup = { path: '/skiff/c1', dirs: {}, created: [], freezerState };
    fs.writeFileSync(freezerState, 'FROZEN\n');
    expect(await liveStatus(fx.tmp, state({ cgroup }))).toBe('paused');
    fs.writeFileSync(freezerState, '1\n');
    expect(await liveStatus(fx.tmp, state({ cgroup }))).toBe('paused');
    fs.writeFileSync(freezerState, 'THAWED\n');
    expect(await liveStatus(fx.tmp, state({ cgroup }))).toBe('running');
    fs.rmSync(freezerState);
    expect(await liveStatus(fx.tmp, state({ cgroup }))).toBe('running');
  });
});
