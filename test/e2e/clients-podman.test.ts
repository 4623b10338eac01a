/**
 * skiff under podman (`podman --runtime bin/skiff`, through conmon): private
 * storage below a scratch dir, `--rootfs` with a copy of the busybox rootfs
 * and `--network none`, since there is no registry here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findExecutable, isUnifiedCgroupHost, scratchDir, uniqueName, useE2E } from '../helpers';
import { haveTmux, Podman, setupPodman, startTmux } from '../helpers/clients';
import { describeFailure, RunResult } from '../helpers/runtime';

const e2e = useE2E();

const missing = ['podman', 'conmon'].filter((tool) => !findExecutable(tool));
const describeIf = missing.length === 0 ? describe : describe.skip;
const tmuxMissing = !haveTmux();

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(describeFailure(r));
  return r;
}

/** The capability sets of /proc/self/status as { CapEff: bigint, ... }. */
function capabilities(status: string): Record<string, bigint> {
  const sets: Record<string, bigint> = {};
  for (const m of status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)) sets[m[1]] = BigInt(`0x${m[2]}`);
  return sets;
}

const CAP_CHOWN = 0n;

describeIf(`podman --runtime <skiff>${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
  let pod: Podman;

  beforeAll(() => {
    pod = setupPodman(e2e.binary, e2e.cleanup);
  }, 120000);

  // `podman rm -af` after each test, even when it failed.
  beforeEach(() => e2e.cleanup.defer(() => pod.removeAll()));

  it('run --rm echoes', () => {
    const r = ok(pod.run(['--rm'], ['echo', 'hello from podman']));
    expect(r.stdout).toBe('hello from podman\n');
    expect(ok(pod.podman(['ps', '--all', '--quiet'])).stdout).toBe('');
  });

  it('passes the exit code through', () => {
    expect(pod.run(['--rm'], ['sh', '-c', 'exit 7']).code).toBe(7);
  });

  it('run -d --name, exec, logs, stop -t 2, rm', () => {
    const name = uniqueName('pod');
    // SIGTERM is trapped: a clean exit 0 shows that stop's signal reached the container.
    const script = 'trap "echo got-term; exit 0" TERM; echo started; while :; do sleep 0.1; done';
    const fullId = ok(pod.run(['--detach', '--name', name], ['sh', '-c', script])).stdout.trim();
    expect(fullId).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(pod.podman(['inspect', '--format', '{{.State.Status}}', name])).stdout.trim()).toBe('running');

    const exec = ok(pod.podman(['exec', name, 'sh', '-c', 'echo exec-ok; cat /proc/1/cmdline | tr "\\0" " "']));
    expect(exec.stdout).toBe(`exec-ok\nsh -c ${script} `);

    const deadline = Date.now() + 10000;
    let logs = '';
    while (Date.now() < deadline && !logs.includes('started')) logs = ok(pod.podman(['logs', name])).stdout;
    expect(logs).toBe('started\n');

    const stop = ok(pod.podman(['stop', '--time', '2', name]));
    expect(stop.stdout.trim()).toBe(name);
    expect(stop.stderr).not.toMatch(/resorting to SIGKILL/);
    expect(ok(pod.podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout.trim()).toBe('exited 0');
    expect(ok(pod.podman(['logs', name])).stdout).toBe('started\ngot-term\n');

    ok(pod.podman(['rm', name]));
    expect(ok(pod.podman(['ps', '--all', '--quiet'])).stdout).toBe('');
    // Nothing of the container is left: no runtime state, no cgroup, no process.
    for (const root of ['/run/skiff', path.join(pod.dir, 'runroot')]) {
      expect(fs.existsSync(path.join(root, fullId))).toBe(false);
    }
  });

  it('--user 1000:1000: id shows it', () => {
    const r = ok(pod.run(['--rm', '--user', '1000:1000'], ['sh', '-c', 'id -u; id -g; id']));
    expect(r.stdout).toMatch(/^1000\n1000\nuid=1000\b.* gid=1000\b/);
  });

  it('--read-only: writing to / fails (with podman\'s default tmpfs on /tmp, /var/tmp and /run)', () => {
    // podman's --read-only mounts tmpfs with "tmpcopyup" on /tmp, /var/tmp and /run (--read-only-tmpfs, default true).
    const r = ok(pod.run(['--rm', '--read-only'], ['sh', '-c', 'touch /x 2>&1; echo "root=$?"; touch /tmp/y && echo tmp-ok']));
    expect(r.stdout).toMatch(/Read-only file system/);
    expect(r.stdout).toMatch(/^root=1$/m);
    expect(r.stdout).toMatch(/^tmp-ok$/m);
  });

  it('--read-only --read-only-tmpfs=false: writing to / fails', () => {
    const r = ok(pod.run(['--rm', '--read-only', '--read-only-tmpfs=false'], ['sh', '-c', 'touch /x 2>&1; echo "root=$?"']));
    expect(r.stdout).toMatch(/Read-only file system/);
    expect(r.stdout).toMatch(/^root=1$/m);
    expect(fs.existsSync(path.join(pod.rootfs, 'x'))).toBe(false);
  });

  it('--cap-drop ALL empties every capability set; --cap-drop CHOWN removes only CAP_CHOWN', () => {
    const none = capabilities(ok(pod.run(['--rm', '--cap-drop', 'ALL'], ['cat', '/proc/self/status'])).stdout);
    expect(none).toEqual({ CapInh: 0n, CapPrm: 0n, CapEff: 0n, CapBnd: 0n, CapAmb: 0n });

    const defaults = capabilities(ok(pod.run(['--rm'], ['cat', '/proc/self/status'])).stdout);
    const noChown = capabilities(ok(pod.run(['--rm', '--cap-drop', 'CHOWN'], ['cat', '/proc/self/status'])).stdout);
    expect(defaults.CapEff & (1n << CAP_CHOWN)).toBe(1n << CAP_CHOWN);
    for (const set of ['CapPrm', 'CapEff', 'CapBnd']) {
      expect(noChown[set]).toBe(defaults[set] & ~(1n << CAP_CHOWN));
    }
    // And it is enforced: chown fails without the capability.
    const chown = pod.run(['--rm', '--cap-drop', 'CHOWN'], ['sh', '-c', 'touch /tmp/f && chown 1:1 /tmp/f']);
    expect(chown.code).not.toBe(0);
  });

  it('-v hostdir:/mnt is readable and writable', () => {
    const host = scratchDir('podvol', e2e.cleanup);
    fs.writeFileSync(path.join(host, 'from-host'), 'host-data\n');
    const r = ok(pod.run(['--rm', '-v', `${host}:/mnt`], ['sh', '-c', 'cat /mnt/from-host; echo container-data > /mnt/from-container']));
    expect(r.stdout).toBe('host-data\n');
    expect(fs.readFileSync(path.join(host, 'from-container'), 'utf8')).toBe('container-data\n');
  });

  it('podman\'s default seccomp profile is active (Seccomp: 2), and off with --security-opt seccomp=unconfined', () => {
    expect(ok(pod.run(['--rm'], ['cat', '/proc/self/status'])).stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(ok(pod.run(['--rm', '--security-opt', 'seccomp=unconfined'], ['cat', '/proc/self/status'])).stdout).toMatch(/^Seccomp:\s+0$/m);
  });

  it('--memory 64m --pids-limit 50 --cpus 1.5 are the values in the container\'s cgroup', () => {
    const files = isUnifiedCgroupHost()
      ? ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/cpu.max']
      : ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'];
    const r = ok(pod.run(['--rm', '--memory', '64m', '--pids-limit', '50', '--cpus', '1.5'], ['cat', ...files]));
    const expected = isUnifiedCgroupHost() ? ['67108864', '50', '150000 100000'] : ['67108864', '50', '150000'];
    expect(r.stdout.trim().split('\n')).toEqual(expected);
  });

  const itTmux = tmuxMissing ? it.skip : it;
  itTmux(`run -it in a real terminal: tty, size, typed commands and the exit code${tmuxMissing ? ' (skipped: tmux not installed)' : ''}`, () => {
    const term = startTmux(pod.runArgv(['--rm', '--interactive', '--tty'], ['sh']), { cols: 100, rows: 30 }, e2e.cleanup);
    term.waitFor(/^\/ # ?$/m, 30000); // the prompt (tmux trims trailing spaces)
    term.typeLine('tty; stty size; exit 5');
    const pane = term.waitFor(/^EXIT=\d+/m, 20000);
    expect(pane).toMatch(/^\/dev\/pts\/\d+\s*$/m);
    expect(pane).toMatch(/^30 100\s*$/m);
    expect(pane).toMatch(/^EXIT=5\s*$/m);
  });
});
