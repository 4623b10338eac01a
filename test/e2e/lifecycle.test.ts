/**
 * The container lifecycle as a user drives it from the command line: run,
 * exit codes, the create/start/kill/delete cycle and its state machine, and
 * what each operation does in the wrong state (an error, and no effect).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import {
  addBindMount,
  isAlive,
  makeBundle,
  processCmdline,
  scratchDir,
  shell,
  sleepSync,
  tracesOfContainer,
  orphanedShims,
  uniqueName,
  useE2E,
  itSpecNotRunc,
  ok,
  RuntimeUnderTest,
  Bundle,
  createAndStartAsSubreaper,
} from '../helpers';

const e2e = useE2E();

/**
 * Makes a FIFO and opens both ends in blocking mode: the read end in the
 * thread pool (an open for reading waits for a writer), then the write end.
 */
async function openFifo(file: string): Promise<{ readFd: number; writeFd: number }> {
  const mk = spawnSync('mkfifo', ['-m', '0600', file]);
  if (mk.status !== 0) throw new Error(`mkfifo ${file} failed`);
  // The callback API gives a plain fd (a FileHandle would try to close it again when collected).
  const reading = new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
  const writeFd = fs.openSync(file, 'w');
  return { readFd: await reading, writeFd };
}

/** Everything until EOF (all writers closed). */
function readAll(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = fs.createReadStream('', { fd, autoClose: true });
    stream.on('data', (d) => chunks.push(Buffer.isBuffer(d) ? d : Buffer.from(d)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

const SLEEPER = ['sleep', '1000'];

/** Waits until `file` exists (a container signalling that it got somewhere). */
function waitForFile(file: string, timeoutMs = 10000): boolean {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) return false;
    sleepSync(20);
  }
  return true;
}

async function waitFor(condition: () => boolean, timeoutMs = 10000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** A created (not started) container running `args`. */
function created(rt: RuntimeUnderTest, label: string, args: string[] = SLEEPER): { id: string; bundle: Bundle; pid: number } {
  const id = uniqueName(label);
  const bundle = makeBundle({ args });
  ok(rt.create(id, bundle));
  const pid = rt.state(id).pid!;
  return { id, bundle, pid };
}

function running(rt: RuntimeUnderTest, label: string, args: string[] = SLEEPER): { id: string; bundle: Bundle; pid: number } {
  const c = created(rt, label, args);
  ok(rt.start(c.id));
  rt.waitForStatus(c.id, 'running');
  return c;
}

function stopped(rt: RuntimeUnderTest, label: string): { id: string; bundle: Bundle; pid: number } {
  const c = running(rt, label);
  ok(rt.kill(c.id, 'KILL'));
  rt.waitForStatus(c.id, 'stopped');
  return c;
}

/** The runtime failed: non-zero exit, not a crash or a hang, and it said something. */
function expectError(result: { code: number | null; signal: string | null; timedOut: boolean; stderr: string; stdout: string }): void {
  expect({ timedOut: result.timedOut, signal: result.signal }).toEqual({ timedOut: false, signal: null });
  expect(result.code).not.toBe(0);
  expect((result.stderr + result.stdout).trim()).not.toBe('');
}

describe('run in the foreground', () => {
  it('prints what the container echoes', () => {
    const rt = e2e.runtime();
    const result = rt.run(uniqueName('echo'), makeBundle({ args: ['echo', 'hello from skiff'] }));
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hello from skiff\n');
    expect(result.code).toBe(0);
  });

  it("exits with the container's exit code (sh -c 'exit 7' gives 7)", () => {
    const rt = e2e.runtime();
    const result = rt.run(uniqueName('exit7'), makeBundle({ args: ['sh', '-c', 'exit 7'] }));
    expect(result.code).toBe(7);
  });

  it('exits with 128+signal when the container is killed by a signal', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('sig');
    const spawned = rt.runAsync(id, makeBundle({ args: SLEEPER }));
    expect(await waitFor(() => rt.tryState(id)?.status === 'running')).toBe(true);
    ok(rt.kill(id, 'KILL'));
    const result = await spawned.done;
    expect(result.code).toBe(128 + 9);
  });

  it('forwards a signal sent to the runtime to the container', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('fwd');
    const out = scratchDir('out');
    const bundle = makeBundle({
      configure: (c) => {
        addBindMount(c, out, '/out');
        shell(c, "trap 'exit 42' TERM; touch /out/ready; sleep 1000 & wait");
      },
    });
    const spawned = rt.runAsync(id, bundle);
    expect(waitForFile(path.join(out, 'ready'))).toBe(true);
    spawned.child.kill('SIGTERM');
    const result = await spawned.done;
    expect(result.code).toBe(42);
  });

  it('passes stdin through and keeps stdout and stderr apart', () => {
    const rt = e2e.runtime();
    const bundle = makeBundle({ configure: (c) => shell(c, 'read line; echo "out: $line"; echo "err: $line" >&2') });
    const result = rt.run(uniqueName('stdio'), bundle, { input: 'piped text\n' });
    expect(result.stdout).toBe('out: piped text\n');
    expect(result.stderr).toBe('err: piped text\n');
    expect(result.code).toBe(0);
  });

  it('run --detach returns while the container keeps running', () => {
    const rt = e2e.runtime();
    const id = uniqueName('detach');
    ok(rt.run(id, makeBundle({ args: SLEEPER }), { detach: true }));
    const state = rt.state(id);
    expect(state.status).toBe('running');
    expect(isAlive(state.pid!)).toBe(true);
  });
});

describe('create, start, kill, delete', () => {
  it('goes created -> running -> stopped -> deleted, and the program runs only after start', () => {
    const rt = e2e.runtime();
    const id = uniqueName('cycle');
    const out = scratchDir('out');
    const bundle = makeBundle({
      configure: (c) => {
        addBindMount(c, out, '/out');
        shell(c, 'echo started > /out/marker; exec sleep 1000');
      },
    });

    ok(rt.create(id, bundle, { pidFile: true }));
    const createdState = rt.state(id);
    expect(createdState).toMatchObject({ id, status: 'created', bundle: bundle.path });
    expect(typeof createdState.ociVersion).toBe('string');
    const pid = createdState.pid!;
    expect(pid).toBeGreaterThan(1);
    expect(isAlive(pid)).toBe(true);
    // The pid file is complete when create returns.
    expect(fs.readFileSync(rt.pidFilePath(id), 'utf8').trim()).toBe(String(pid));
    // The user program has not run yet.
    sleepSync(200);
    expect(fs.existsSync(path.join(out, 'marker'))).toBe(false);
    expect(rt.state(id).status).toBe('created');

    ok(rt.start(id));
    expect(waitForFile(path.join(out, 'marker'))).toBe(true);
    const runningState = rt.waitForStatus(id, 'running');
    expect(runningState.pid).toBe(pid);
    expect(processCmdline(pid)).toEqual(['sleep', '1000']);

    ok(rt.kill(id, 'KILL'));
    const stoppedState = rt.waitForStatus(id, 'stopped');
    expect(stoppedState.id).toBe(id);

    ok(rt.delete(id));
    expectError(rt.invoke(['state', id]));
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('state prints the fields runc prints', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'fields');
    const state = rt.state(c.id);
    expect(state).toMatchObject({ id: c.id, status: 'running', pid: c.pid, bundle: c.bundle.path, rootfs: c.bundle.rootfs, owner: expect.any(String) });
    expect(Number.isNaN(Date.parse(String(state.created)))).toBe(false);
  });

  it('reports a container whose process exited as stopped', () => {
    const rt = e2e.runtime();
    const c = created(rt, 'exits', ['sh', '-c', 'exit 0']);
    ok(rt.start(c.id));
    rt.waitForStatus(c.id, 'stopped');
    ok(rt.delete(c.id));
  });

  it('kill accepts signal names with and without SIG and numbers', () => {
    const rt = e2e.runtime();
    for (const signal of ['SIGKILL', 'KILL', '9']) {
      const c = running(rt, 'killsig');
      ok(rt.kill(c.id, signal));
      rt.waitForStatus(c.id, 'stopped');
      ok(rt.delete(c.id));
    }
  });

  it('kill with signal 0 only asks whether the init lives, as runc: yes while running, an error once stopped', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'kill0');
    ok(rt.kill(c.id, '0'));
    expect(rt.state(c.id).status).toBe('running');
    ok(rt.kill(c.id, 'KILL'));
    rt.waitForStatus(c.id, 'stopped');
    expect(rt.kill(c.id, '0').code).not.toBe(0);
  });

  it('kill --all signals every process of the container', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'killall', ['sh', '-c', 'sleep 1000 & sleep 1000 & wait']);
    ok(rt.kill(c.id, 'KILL', { all: true }));
    rt.waitForStatus(c.id, 'stopped');
    ok(rt.delete(c.id));
    expect(tracesOfContainer({ root: rt.root, id: c.id, bundle: c.bundle.path })).toEqual([]);
  });

  it('delete --force removes a running container and everything it made', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'force');
    ok(rt.delete(c.id, { force: true }));
    expect(rt.tryState(c.id)).toBeUndefined();
    expect(isAlive(c.pid)).toBe(false);
    expect(tracesOfContainer({ root: rt.root, id: c.id, bundle: c.bundle.path })).toEqual([]);
  });

  it('delete --force removes a created container', () => {
    const rt = e2e.runtime();
    const c = created(rt, 'forcecreated');
    ok(rt.delete(c.id, { force: true }));
    expect(rt.tryState(c.id)).toBeUndefined();
    expect(tracesOfContainer({ root: rt.root, id: c.id, bundle: c.bundle.path })).toEqual([]);
  });

  itSpecNotRunc('delete --force cleans up a container whose create was interrupted (runc 1.1 leaves its cgroups)', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('interrupted');
    const hookDir = scratchDir('slowhook');
    const hook = path.join(hookDir, 'hook.sh');
    // The hook signals that create is under way, then blocks it.
    fs.writeFileSync(hook, `#!/bin/sh\necho $$ > ${hookDir}/pid\ntouch ${hookDir}/reached\nexec sleep 1000\n`, { mode: 0o755 });
    const bundle = makeBundle({ args: SLEEPER, configure: (c) => (c.hooks = { createRuntime: [{ path: hook }] }) });
    rt.track(id, bundle);
    const spawned = rt.spawnRuntime(['create', '--bundle', bundle.path, id], { resolveOnExit: true });
    expect(waitForFile(path.join(hookDir, 'reached'))).toBe(true);
    // The hook (now `sleep 1000`, mentioning nothing of ours) is killed even if the test fails.
    const hookPid = Number(fs.readFileSync(path.join(hookDir, 'pid'), 'utf8'));
    e2e.cleanup.trackProcess(hookPid);
    const during = rt.tryState(id);
    if (during) expect(during.status).toBe('creating');
    spawned.child.kill('SIGKILL');
    await spawned.done;
    // The hook outlived the runtime that started it; a container manager would kill it too.
    process.kill(hookPid, 'SIGKILL');
    ok(rt.delete(id, { force: true }));
    expect(rt.tryState(id)).toBeUndefined();
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('twenty creates at once all succeed', async () => {
    // Under load skiff-init's init can carry out its whole plan before skiff-init has reported its
    // pid: the report must still come first, and records written by both stay whole.
    const rt = e2e.runtime();
    const ids = Array.from({ length: 20 }, () => uniqueName('crowd'));
    for (const id of ids) e2e.cleanup.trackContainer(rt, id);
    const bundle = makeBundle({ args: ['true'] });
    const results = await Promise.all(ids.map((id) => rt.spawnRuntime(['create', '--bundle', bundle.path, id], { resolveOnExit: true }).done));
    expect(results.map((r) => ({ code: r.code, stderr: r.stderr }))).toEqual(ids.map(() => ({ code: 0, stderr: '' })));
    for (const id of ids) expect(rt.state(id).status).toBe('created');
  });

  it('a deleted id can be used again', () => {
    const rt = e2e.runtime();
    const c = stopped(rt, 'reuse');
    ok(rt.delete(c.id));
    const result = rt.run(c.id, makeBundle({ args: ['echo', 'again'] }));
    expect(result.stdout).toBe('again\n');
  });
});

describe('operations in the wrong state fail without effect', () => {
  it('start of a running container', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'start2');
    expectError(rt.start(c.id));
    expect(rt.state(c.id)).toMatchObject({ status: 'running', pid: c.pid });
    expect(isAlive(c.pid)).toBe(true);
  });

  it('start of a stopped container', () => {
    const rt = e2e.runtime();
    const c = stopped(rt, 'startstopped');
    expectError(rt.start(c.id));
    expect(rt.state(c.id).status).toBe('stopped');
  });

  it('kill of a stopped container', () => {
    const rt = e2e.runtime();
    const c = stopped(rt, 'killstopped');
    expectError(rt.kill(c.id, 'KILL'));
    expect(rt.state(c.id).status).toBe('stopped');
    ok(rt.delete(c.id));
  });

  it('delete of a running container', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'delrunning');
    expectError(rt.delete(c.id));
    expect(rt.state(c.id)).toMatchObject({ status: 'running', pid: c.pid });
    expect(isAlive(c.pid)).toBe(true);
  });

  itSpecNotRunc('delete of a created container without --force (runc 1.1 kills and deletes it)', () => {
    const rt = e2e.runtime();
    const c = created(rt, 'delcreated');
    expectError(rt.delete(c.id));
    expect(rt.state(c.id)).toMatchObject({ status: 'created', pid: c.pid });
    expect(isAlive(c.pid)).toBe(true);
    ok(rt.start(c.id));
    expect(rt.waitForStatus(c.id, 'running').pid).toBe(c.pid);
  });

  it('state, start, kill and delete of an unknown id', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nosuch');
    expectError(rt.invoke(['state', id]));
    expectError(rt.start(id));
    expectError(rt.kill(id, 'KILL'));
    expectError(rt.delete(id));
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
  });

  it('delete --force of an unknown id creates nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nosuch');
    rt.delete(id, { force: true });
    expect(fs.existsSync(path.join(rt.root, id))).toBe(false);
  });

  it('create with an id that is taken', () => {
    const rt = e2e.runtime();
    const c = created(rt, 'dup');
    const other = makeBundle({ args: ['echo', 'second'] });
    const before = rt.state(c.id);
    const shimsBefore = new Set(orphanedShims());
    expectError(rt.create(c.id, other));
    expect(rt.state(c.id)).toEqual(before);
    expect(isAlive(c.pid)).toBe(true);
    expect(tracesOfContainer({ root: rt.root, id: 'no-such-id', bundle: other.path })).toEqual([]);
    expect(orphanedShims().filter((p) => !shimsBefore.has(p))).toEqual([]);
  });

  it.each([
    ['a slash', 'a/b'],
    ['a parent reference', '..'],
    ['a leading dot-dot path', '../escape'],
    ['an empty id', ''],
  ])('create with an invalid id (%s)', (_label, id) => {
    const rt = e2e.runtime();
    const bundle = makeBundle({ args: ['echo', 'never'] });
    const result = rt.invoke(['create', '--bundle', bundle.path, id]);
    expectError(result);
    expect(fs.existsSync(rt.root) ? fs.readdirSync(rt.root) : []).toEqual([]);
    expect(fs.existsSync(path.join(path.dirname(rt.root), 'escape'))).toBe(false);
    expect(tracesOfContainer({ root: rt.root, id: 'no-such-id', bundle: bundle.path })).toEqual([]);
  });
});

describe('what clients rely on', () => {
  it('--pid-file relative to the working directory is written before create returns', () => {
    const rt = e2e.runtime();
    const cwd = scratchDir('cwd');
    const id = uniqueName('pidfile');
    ok(rt.create(id, makeBundle({ args: SLEEPER }), { pidFile: 'init.pid', cwd }));
    const pidFile = path.join(cwd, 'init.pid');
    expect(fs.existsSync(pidFile)).toBe(true);
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    expect(pid).toBe(rt.state(id).pid);
    expect(isAlive(pid)).toBe(true);
  });

  it('a relative --bundle is resolved against the working directory', () => {
    const rt = e2e.runtime();
    const bundle = makeBundle({ args: ['echo', 'relative'] });
    const id = uniqueName('relbundle');
    rt.track(id, bundle);
    const result = rt.invoke(['run', '--bundle', '.', id], { cwd: bundle.path });
    expect(result.stdout).toBe('relative\n');
    expect(result.code).toBe(0);
  });

  it('pipes given to create stay connected to the container after create returns', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('pipes');
    const bundle = makeBundle({ configure: (c) => shell(c, 'while read line; do echo "got $line"; echo "warn $line" >&2; done; echo bye') });
    rt.track(id, bundle);
    // Named pipes, as containerd hands them to the runtime.
    const dir = scratchDir('fifo');
    const stdin = await openFifo(path.join(dir, 'stdin'));
    const stdout = await openFifo(path.join(dir, 'stdout'));
    const stderr = await openFifo(path.join(dir, 'stderr'));
    const child = spawn(rt.binary, ['--root', rt.root, 'create', '--bundle', bundle.path, id], { stdio: [stdin.readFd, stdout.writeFd, stderr.writeFd] });
    for (const fd of [stdin.readFd, stdout.writeFd, stderr.writeFd]) fs.closeSync(fd);
    const outText = readAll(stdout.readFd);
    const errText = readAll(stderr.readFd);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    const pid = rt.state(id).pid!;
    // The container holds the very pipes the caller passed, not copies made by the runtime.
    for (const [fd, fifo] of [[0, 'stdin'], [1, 'stdout'], [2, 'stderr']] as const) {
      expect(fs.statSync(`/proc/${pid}/fd/${fd}`).ino).toBe(fs.statSync(path.join(dir, fifo)).ino);
    }
    ok(rt.start(id));
    fs.writeSync(stdin.writeFd, 'one\ntwo\n');
    fs.closeSync(stdin.writeFd);
    expect(await outText).toBe('got one\ngot two\nbye\n');
    expect(await errText).toBe('warn one\nwarn two\n');
    rt.waitForStatus(id, 'stopped');
  });

  it("after create the caller's subreaper is init's parent and reaps its exit status", () => {
    const rt = e2e.runtime();
    const id = uniqueName('reaper');
    const bundle = makeBundle({ args: ['sh', '-c', 'exit 3'] });
    rt.track(id, bundle);
    const report = createAndStartAsSubreaper(rt.binary, rt.root, bundle.path, id, path.join(rt.scratch, 'reaper.pid'));
    expect(report).toMatchObject({ createCode: 0, startCode: 0 });
    expect(report.ppid).toBe(report.self);
    expect(report.waited).toBe(report.pid);
    expect(report.exitCode).toBe(3);
    expect(rt.state(id).status).toBe('stopped');
  });
});
