/**
 * `exec`: a further process in a running container. It must join every
 * namespace and the cgroup of the init and be confined like it (capabilities,
 * no_new_privs, seccomp, rlimits, user), each checked from inside the way a
 * user would; runc's flags change what they name; it fails clearly in the
 * wrong state; no host fd reaches the container (runc CVE-2024-21626).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  addBindMount,
  Bundle,
  isAlive,
  makeBundle,
  OciConfig,
  ok,
  orphanedShims,
  processCmdline,
  RunResult,
  RuntimeUnderTest,
  scratchDir,
  shell,
  uniqueName,
  useE2E,
  waitForExit,
  withCapabilities,
} from '../helpers';
import { listCgroupHierarchies, readProcessCgroups } from '../helpers/cgroup-hierarchies';

const e2e = useE2E();

const SLEEPER = ['sleep', '1000'];

interface Running {
  rt: RuntimeUnderTest;
  id: string;
  bundle: Bundle;
  pid: number;
}

/** A running container (run --detach), `sleep 1000` unless the config says otherwise. */
function runningContainer(label: string, configure?: (c: OciConfig) => void): Running {
  const rt = e2e.runtime();
  const id = uniqueName(label);
  const bundle = makeBundle({ args: SLEEPER, configure });
  ok(rt.run(id, bundle, { detach: true }));
  const pid = rt.state(id).pid!;
  return { rt, id, bundle, pid };
}

function execOk(c: Running, args: string[], extraArgs: string[] = []): string {
  return ok(c.rt.exec(c.id, args, { extraArgs })).stdout;
}

/** Fields of a /proc/<pid>/status text, whitespace collapsed. */
function statusFields(text: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text);
    out[name] = m ? m[1].trim().replace(/\s+/g, ' ') : '<missing>';
  }
  return out;
}

/** The runtime failed: non-zero exit, no crash or hang, and it said why. */
function expectError(result: RunResult): string {
  expect({ timedOut: result.timedOut, signal: result.signal }).toEqual({ timedOut: false, signal: null });
  expect(result.code).not.toBe(0);
  const message = (result.stderr + result.stdout).trim();
  expect(message).not.toBe('');
  return message;
}

/** `exec` with extra fds 3.. from the test process (spawnSync with a longer stdio array). */
function execWithFds(c: Running, fds: number[], args: string[], extraArgs: string[] = []): RunResult {
  const fullArgs = ['--root', c.rt.root, 'exec', ...extraArgs, c.id, ...args];
  const r = spawnSync(c.rt.binary, fullArgs, { stdio: ['pipe', 'pipe', 'pipe', ...fds], timeout: 30000, encoding: 'utf8' });
  return { args: fullArgs, code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: false, durationMs: 0 };
}

/**
 * `exec -d`: the detached process would hold pipes open (and a synchronous call would wait for
 * them), so its stdio is /dev/null and the runtime's messages go to a file.
 */
function execDetached(c: Running, args: string[], pidFile: string): RunResult {
  const errFile = path.join(c.rt.scratch, 'exec-detached.stderr');
  const err = fs.openSync(errFile, 'w');
  const fullArgs = ['--root', c.rt.root, 'exec', '--detach', '--pid-file', pidFile, c.id, ...args];
  const started = Date.now();
  let r;
  try {
    r = spawnSync(c.rt.binary, fullArgs, { stdio: ['ignore', 'ignore', err], timeout: 30000 });
  } finally {
    fs.closeSync(err);
  }
  const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : 0;
  if (pid > 1) e2e.cleanup.trackProcess(pid);
  return {
    args: fullArgs, code: r.status, signal: r.signal, stdout: '', stderr: fs.readFileSync(errFile, 'utf8'),
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT', durationMs: Date.now() - started,
  };
}

/** `ls -l /proc/self/fd` output → fd number → link target (the listing's own directory fd included). */
function parseFdListing(out: string): Map<number, string> {
  const fds = new Map<number, string>();
  for (const line of out.split('\n')) {
    const m = /\s(\d+) -> (.*)$/.exec(line);
    if (m) fds.set(Number(m[1]), m[2]);
  }
  return fds;
}

/** Drops the fd `ls` opened to read /proc/self/fd itself (a link to .../fd). */
function withoutListingFd(fds: Map<number, string>): number[] {
  return [...fds.entries()].filter(([, target]) => !/^\/proc\/\d+\/fd$/.test(target)).map(([fd]) => fd).sort((a, b) => a - b);
}

describe('exec in the foreground', () => {
  it("exits with the process's exit code and passes stdio through", () => {
    const c = runningContainer('code');
    expect(c.rt.exec(c.id, ['sh', '-c', 'exit 5']).code).toBe(5);
    const r = c.rt.exec(c.id, ['sh', '-c', 'read line; echo "out $line"; echo "err $line" >&2'], { input: 'x\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'out x\n', stderr: 'err x\n' });
    // The container keeps running.
    expect(c.rt.state(c.id)).toMatchObject({ status: 'running', pid: c.pid });
  });

  it('a process killed by a signal gives 128+signal', () => {
    const c = runningContainer('sig');
    expect(c.rt.exec(c.id, ['sh', '-c', 'kill -KILL $$']).code).toBe(128 + 9);
  });
});

describe("exec joins the container's namespaces and cgroup", () => {
  it('sees the hostname, the pid namespace (not pid 1; the init is), the mounts', () => {
    const data = scratchDir('data');
    fs.writeFileSync(path.join(data, 'file'), 'only in the container\n');
    const c = runningContainer('ns', (cfg) => addBindMount(cfg, data, '/data'));
    expect(execOk(c, ['hostname'])).toBe('skiff-test\n');
    const [self, init] = execOk(c, ['sh', '-c', 'echo $$; tr "\\0" " " < /proc/1/cmdline']).split('\n');
    expect(Number(self)).toBeGreaterThan(1);
    expect(init.trim()).toBe('sleep 1000');
    expect(execOk(c, ['cat', '/data/file'])).toBe('only in the container\n');
  });

  it('every namespace is the init\'s (compared with /proc/<init>/ns from the host)', () => {
    const c = runningContainer('nsids');
    const kinds = ['mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup'];
    const inside = execOk(c, ['sh', '-c', kinds.map((k) => `readlink /proc/self/ns/${k}`).join('; ')]).trim().split('\n');
    const host = kinds.map((k) => fs.readlinkSync(`/proc/${c.pid}/ns/${k}`));
    expect(inside).toEqual(host);
  });

  it("its pid is in the container's cgroup (cgroup.procs) in every hierarchy", () => {
    const c = runningContainer('cg');
    const pidFile = path.join(c.rt.scratch, 'exec.pid');
    ok(execDetached(c, SLEEPER, pidFile));
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    expect(readProcessCgroups(pid)).toEqual(readProcessCgroups(c.pid));
    const initCgroups = readProcessCgroups(c.pid);
    let checked = 0;
    for (const h of listCgroupHierarchies()) {
      const key = h.version === 2 ? '' : [...initCgroups.keys()].find((k) => k !== '' && k.split(',').some((ctrl) => h.controllers.includes(ctrl)));
      if (key === undefined || !initCgroups.has(key)) continue;
      const procs = path.join(h.mountPoint, initCgroups.get(key)!, 'cgroup.procs');
      if (!fs.existsSync(procs)) continue;
      expect({ procs, has: fs.readFileSync(procs, 'utf8').split('\n').includes(String(pid)) }).toEqual({ procs, has: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    // From inside, through the cgroup namespace, it sits at the namespace's root like the init.
    for (const line of execOk(c, ['cat', '/proc/self/cgroup']).trim().split('\n')) expect(line).toMatch(/:\/$/);
  });
});

describe('exec --cgroup', () => {
  it('--cgroup pids:sub puts the process in that sub-cgroup; delete removes it with the container', () => {
    const c = runningContainer('cgsub');
    const initCgroups = readProcessCgroups(c.pid);
    const pidsKey = [...initCgroups.keys()].find((k) => k.split(',').includes('pids'));
    const pidsHierarchy = listCgroupHierarchies().find((h) => h.version === 1 && h.controllers.includes('pids'));
    if (!pidsKey || !pidsHierarchy) return; // a pure cgroup v2 host: covered by the unprefixed form below
    const sub = path.join(pidsHierarchy.mountPoint, initCgroups.get(pidsKey)!, 'sub');
    fs.mkdirSync(sub);
    const own = execOk(c, ['cat', '/proc/self/cgroup'], ['--cgroup', 'pids:sub']);
    expect(own).toMatch(/:pids:\/sub$/m);
    expect(own).toMatch(/:memory:\/$/m); // other controllers stay at the container's cgroup
    ok(c.rt.delete(c.id, { force: true }));
    expect(fs.existsSync(sub)).toBe(false);
  });

  it('a sub-cgroup that does not exist is an error', () => {
    const c = runningContainer('cgnone');
    const r = c.rt.exec(c.id, ['true'], { extraArgs: ['--cgroup', 'no-such-sub'] });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('does not exist');
  });
});

describe('exec is confined like the init', () => {
  const FIELDS = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters'];

  it('same user, capabilities, no_new_privs, seccomp and rlimits (from /proc/self/status inside)', () => {
    const c = runningContainer('confined', (cfg) => {
      withCapabilities(cfg, ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW']);
      cfg.process!.user = { uid: 1000, gid: 1000, additionalGids: [1001] };
      cfg.process!.noNewPrivileges = true;
      cfg.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
      cfg.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
    });
    const init = statusFields(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'), FIELDS);
    const exec = statusFields(execOk(c, ['cat', '/proc/self/status']), FIELDS);
    expect(exec).toEqual(init);
    expect(init).toMatchObject({ Uid: '1000 1000 1000 1000', NoNewPrivs: '1', Seccomp: '2' });
    const limits = (text: string) => /^Max open files.*$/m.exec(text)?.[0].trim().replace(/\s+/g, ' ');
    expect(limits(execOk(c, ['cat', '/proc/self/limits']))).toBe(limits(fs.readFileSync(`/proc/${c.pid}/limits`, 'utf8')));
    expect(limits(fs.readFileSync(`/proc/${c.pid}/limits`, 'utf8'))).toBe('Max open files 321 654 files');
  });

  it('noNewPrivileges false in the config stays false in exec; --no-new-privs sets it', () => {
    const c = runningContainer('nnp', (cfg) => (cfg.process!.noNewPrivileges = false));
    expect(statusFields(execOk(c, ['cat', '/proc/self/status']), ['NoNewPrivs'])).toEqual({ NoNewPrivs: '0' });
    expect(statusFields(execOk(c, ['cat', '/proc/self/status'], ['--no-new-privs']), ['NoNewPrivs'])).toEqual({ NoNewPrivs: '1' });
  });
});

describe("exec's flags", () => {
  it('-e adds to the environment of the config; --cwd sets the directory', () => {
    const c = runningContainer('env');
    const lines = execOk(c, ['env'], ['-e', 'FOO=bar', '-e', 'SECOND=two words']).trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(['FOO=bar', 'SECOND=two words', 'HOME=/root']));
    expect(execOk(c, ['pwd'], ['--cwd', '/dev/shm'])).toBe('/dev/shm\n');
    expect(execOk(c, ['pwd'])).toBe('/\n');
  });

  it('-u uid:gid and -g set the user and groups', () => {
    const c = runningContainer('user');
    const out = execOk(c, ['cat', '/proc/self/status'], ['-u', '1000:1001', '-g', '10', '-g', '20']);
    expect(statusFields(out, ['Uid', 'Gid', 'Groups'])).toEqual({ Uid: '1000 1000 1000 1000', Gid: '1001 1001 1001 1001', Groups: '10 20' });
    // uid alone: gid 0, as runc does.
    expect(statusFields(execOk(c, ['cat', '/proc/self/status'], ['-u', '1234']), ['Uid', 'Gid'])).toEqual({ Uid: '1234 1234 1234 1234', Gid: '0 0 0 0' });
  });

  it('--cap adds a capability to the exec only', () => {
    const c = runningContainer('cap');
    const SYS_ADMIN = 1n << 21n;
    const capEff = (text: string) => BigInt('0x' + statusFields(text, ['CapEff']).CapEff);
    const capBnd = (text: string) => BigInt('0x' + statusFields(text, ['CapBnd']).CapBnd);
    const withCap = execOk(c, ['cat', '/proc/self/status'], ['--cap', 'CAP_SYS_ADMIN']);
    expect(capEff(withCap) & SYS_ADMIN).toBe(SYS_ADMIN);
    expect(capBnd(withCap) & SYS_ADMIN).toBe(SYS_ADMIN);
    const plain = execOk(c, ['cat', '/proc/self/status']);
    expect(capEff(plain) & SYS_ADMIN).toBe(0n);
    expect(capEff(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8')) & SYS_ADMIN).toBe(0n);
  });

  it('--process FILE gives the whole process (args, env, cwd, user)', () => {
    const c = runningContainer('procfile');
    const file = path.join(scratchDir('proc'), 'process.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        terminal: false,
        user: { uid: 1000, gid: 1000 },
        args: ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; exit 6'],
        env: ['PATH=/bin:/usr/bin', 'GREETING=hello'],
        cwd: '/dev',
      }),
    );
    const r = c.rt.invoke(['exec', '--process', file, c.id]);
    expect(r.stdout).toBe('hello from /dev as 1000:1000\n');
    expect(r.code).toBe(6);
  });

  it('-d --pid-file returns at once; the pid file names the running process', () => {
    const c = runningContainer('detach');
    const pidFile = path.join(c.rt.scratch, 'exec.pid');
    const r = ok(execDetached(c, SLEEPER, pidFile));
    expect(r.durationMs).toBeLessThan(10000);
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    expect(pid).toBeGreaterThan(1);
    expect(pid).not.toBe(c.pid);
    expect(isAlive(pid)).toBe(true);
    expect(processCmdline(pid)).toEqual(SLEEPER);
    // It is the container's: killing the container takes it along.
    ok(c.rt.delete(c.id, { force: true }));
    expect(waitForExit(pid, 5000)).toBe(true);
  });
});

describe('exec in the wrong state, or of a missing program', () => {
  it('into a stopped container: exit 255, "cannot exec in a stopped container"', () => {
    const c = runningContainer('stopped');
    ok(c.rt.kill(c.id, 'KILL'));
    c.rt.waitForStatus(c.id, 'stopped');
    const r = c.rt.exec(c.id, ['true']);
    expect(expectError(r)).toMatch(/cannot exec in a stopped container/);
    expect(r.code).toBe(255);
  });

  it('into an unknown container fails', () => {
    const rt = e2e.runtime();
    expectError(rt.exec(uniqueName('nosuch'), ['true']));
  });

  it('of a missing binary gives runc\'s message and leaves the container running', () => {
    const c = runningContainer('missing');
    const r = c.rt.exec(c.id, ['no-such-binary-here']);
    expect(expectError(r)).toMatch(/unable to start container process: exec: \\?"no-such-binary-here\\?": executable file not found in \$PATH/);
    expect(r.code).toBe(255);
    expect(c.rt.state(c.id).status).toBe('running');
  });

  it('a failed exec leaves no skiff-init behind, not even a zombie for pid 1 to reap', () => {
    const c = runningContainer('nozombie');
    const before = new Set(orphanedShims());
    // Each failure races skiff-init reaping the process against skiff stopping skiff-init: repeated.
    for (let i = 0; i < 12; i++) expect(c.rt.exec(c.id, ['/no/such/file']).code).toBe(255);
    expect(c.rt.exec(c.id, ['true'], { extraArgs: ['--cwd', '/no/dir'] }).code).toBe(255);
    expect(orphanedShims().filter((p) => !before.has(p))).toEqual([]);
  });

  it('exec --detach leaves no skiff-init behind, not even a zombie for pid 1 to reap', () => {
    const c = runningContainer('nozombiedetach');
    const before = new Set(orphanedShims());
    // Repeated: the zombie came when skiff-init's exit was seen late (~1 call in 15 before the fix).
    for (let i = 0; i < 20; i++) ok(c.rt.exec(c.id, ['true'], { extraArgs: ['--detach'] }));
    expect(orphanedShims().filter((p) => !before.has(p))).toEqual([]);
  });

  it('errors from setting up the process read as runc\'s, errno text as Go spells it (clients match on them)', () => {
    const c = runningContainer('errtext');
    // Docker maps "no such file or directory" in this message to exit code 127: the case matters.
    expect(expectError(c.rt.exec(c.id, ['/no/such/file']))).toMatch(
      /unable to start container process: exec: \\?"\/no\/such\/file\\?": stat \/no\/such\/file: no such file or directory/,
    );
    expect(expectError(c.rt.exec(c.id, ['true'], { extraArgs: ['--cwd', '/no/dir'] }))).toMatch(
      /unable to start container process: chdir to cwd \(\\?"\/no\/dir\\?"\) set in config.json failed: no such file or directory/,
    );
  });
});

describe('no host fd reaches the container (runc CVE-2024-21626)', () => {
  it('an exec\'d process has only 0, 1 and 2', () => {
    const c = runningContainer('fdexec');
    const fds = parseFdListing(execOk(c, ['ls', '-l', '/proc/self/fd']));
    expect(withoutListingFd(fds)).toEqual([0, 1, 2]);
  });

  it('the init has only 0, 1 and 2', () => {
    const rt = e2e.runtime();
    const r = ok(rt.run(uniqueName('fdinit'), makeBundle({ args: ['ls', '-l', '/proc/self/fd'] })));
    const fds = parseFdListing(r.stdout);
    expect(withoutListingFd(fds)).toEqual([0, 1, 2]);
  });

  it('exec --preserve-fds 2: exactly fds 3 and 4 arrive, and they are the caller\'s', () => {
    const c = runningContainer('fdpreserve');
    const dir = scratchDir('fds');
    const a = fs.openSync(path.join(dir, 'a'), 'w');
    const b = fs.openSync(path.join(dir, 'b'), 'w');
    try {
      const r = execWithFds(c, [a, b], ['sh', '-c', 'ls -l /proc/self/fd; echo to-a >&3; echo to-b >&4'], ['--preserve-fds', '2']);
      expect(r.code).toBe(0);
      // `sh` opens nothing extra for `ls`, which lists its own directory fd as the next one.
      const fds = parseFdListing(r.stdout);
      expect(withoutListingFd(fds)).toEqual([0, 1, 2, 3, 4]);
      expect(fds.get(3)).toBe(path.join(dir, 'a'));
      expect(fds.get(4)).toBe(path.join(dir, 'b'));
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
    }
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('to-a\n');
    expect(fs.readFileSync(path.join(dir, 'b'), 'utf8')).toBe('to-b\n');
  });

  /** Runs argv with two fresh files as fds 3 and 4 (closed again after); returns the result and their folder. */
  function spawnWithTwoFds(argv: string[]) {
    const dir = scratchDir('fds');
    const a = fs.openSync(path.join(dir, 'a'), 'w');
    const b = fs.openSync(path.join(dir, 'b'), 'w');
    try {
      const r = spawnSync(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe', a, b], timeout: 30000, encoding: 'utf8' });
      return { r, dir };
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
    }
  }

  it('run --preserve-fds 2: the init gets exactly fds 3 and 4', () => {
    const rt = e2e.runtime();
    const id = uniqueName('fdrun');
    const bundle = makeBundle({ configure: (cfg) => shell(cfg, 'ls -l /proc/self/fd; echo to-a >&3') });
    rt.track(id, bundle);
    const { r, dir } = spawnWithTwoFds([rt.binary, '--root', rt.root, 'run', '--preserve-fds', '2', '--bundle', bundle.path, id]);
    expect(r.status).toBe(0);
    expect(withoutListingFd(parseFdListing(r.stdout))).toEqual([0, 1, 2, 3, 4]);
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('to-a\n');
  });

  it('socket activation: LISTEN_FDS fds reach the init as 3 and 4, with LISTEN_FDS=2 and LISTEN_PID=1', () => {
    const rt = e2e.runtime();
    const id = uniqueName('fdlisten');
    const bundle = makeBundle({ configure: (cfg) => shell(cfg, 'echo "LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID"; ls -l /proc/self/fd') });
    rt.track(id, bundle);
    // LISTEN_PID must name the runtime itself: the shell execs it, keeping its pid.
    const command = `export LISTEN_PID=$$ LISTEN_FDS=2; exec "$0" --root "$1" run --bundle "$2" "$3"`;
    const { r, dir } = spawnWithTwoFds(['/bin/sh', '-c', command, rt.binary, rt.root, bundle.path, id]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('LISTEN_FDS=2 LISTEN_PID=1');
    const fds = parseFdListing(r.stdout);
    expect(withoutListingFd(fds)).toEqual([0, 1, 2, 3, 4]);
    expect(fds.get(3)).toBe(path.join(dir, 'a'));
  });

  // Climbs with `cd -P ..` far more often than any tree is deep: inside the container that ends at
  // its root; from a directory outside it (a leaked host fd) it ends at the host's root.
  const WHERE = 'i=0; while [ $i -lt 64 ]; do cd -P .. 2>/dev/null; i=$((i+1)); done; if [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /)" ]; then echo inside; else echo ESCAPED; fi';

  it('exec --cwd /proc/self/fd/N fails or stays inside the container, for every N from 3 to 20', () => {
    const c = runningContainer('cwdexec');
    const outcomes: string[] = [];
    for (let n = 3; n <= 20; n++) {
      const r = c.rt.exec(c.id, ['sh', '-c', WHERE], { extraArgs: ['--cwd', `/proc/self/fd/${n}`] });
      expect(r.timedOut).toBe(false);
      if (r.code === 0) outcomes.push(`${n}: ${r.stdout.trim()}`);
      else outcomes.push(`${n}: failed`);
    }
    if (process.env.SKIFF_TEST_VERBOSE) console.log(outcomes.join('\n'));
    expect(outcomes.filter((o) => o.includes('ESCAPED'))).toEqual([]);
    expect(c.rt.state(c.id).status).toBe('running');
  });

  it('process.cwd /proc/self/fd/N for the init fails or stays inside, for N from 3 to 10', () => {
    const rt = e2e.runtime();
    const escaped: string[] = [];
    for (let n = 3; n <= 10; n++) {
      const id = uniqueName('cwdinit');
      const bundle = makeBundle({ configure: (cfg) => (shell(cfg, WHERE), (cfg.process!.cwd = `/proc/self/fd/${n}`)) });
      const r = rt.run(id, bundle);
      expect(r.timedOut).toBe(false);
      if (r.code === 0 && r.stdout.includes('ESCAPED')) escaped.push(`fd ${n}`);
      if (r.code !== 0) expect((r.stderr + r.stdout).trim()).not.toBe('');
      rt.delete(id, { force: true });
    }
    expect(escaped).toEqual([]);
  });
});
