/**
 * skiff under containerd: `ctr run --runc-binary bin/skiff` through containerd's
 * runc shim (create with --pid-file, start, exec --process --detach, kill,
 * delete), against a private containerd started for this file.
 * ctr passes no environment: skiff finds `echo`, `sh`... without PATH.
 */
import * as fs from 'fs';
import { cgroupsMentioning, findExecutable, isAlive, sleepSync, uniqueName, useE2E } from '../helpers';
import { cgroupFileOf, Containerd, haveTmux, startContainerd, startTmux } from '../helpers/clients';
import { describeFailure, RunResult } from '../helpers/runtime';

const e2e = useE2E();

const missing = ['containerd', 'ctr', 'containerd-shim-runc-v2'].filter((tool) => !findExecutable(tool));
const describeIf = missing.length === 0 ? describe : describe.skip;
const tmuxMissing = !haveTmux();

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(describeFailure(r));
  return r;
}

describeIf(`containerd (ctr run --runc-binary <skiff>)${missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : ''}`, () => {
  let ctd: Containerd;

  beforeAll(async () => {
    ctd = await startContainerd(e2e.binary, e2e.cleanup);
  }, 60000);

  // Each test's containers go with the test, even when it failed.
  beforeEach(() => e2e.cleanup.defer(() => {
    const problems = ctd.removeAllContainers();
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }));

  it('run --rm ID echo hi prints hi', () => {
    const id = uniqueName('ctd-echo');
    const r = ok(ctd.run(id, ['echo', 'hi'], ['--rm']));
    expect(r.stdout).toBe('hi\n');
    expect(ctd.ctr(['containers', 'list', '--quiet']).stdout).not.toContain(id);
  });

  it('passes the exit code through', () => {
    const r = ctd.run(uniqueName('ctd-exit'), ['sh', '-c', 'exit 5'], ['--rm']);
    expect(r.code).toBe(5);
  });

  it('run -d, task exec, task kill -s KILL, task delete, container delete', () => {
    const id = uniqueName('ctd-detach');
    ok(ctd.run(id, ['sleep', '1000'], ['--detach']));
    const pid = ctd.taskPid(id);
    expect(pid).toBeDefined();
    expect(ok(ctd.ctr(['task', 'list'])).stdout).toMatch(new RegExp(`^${id}\\s+${pid}\\s+RUNNING`, 'm'));

    // The exec'd process is in the container: its pid namespace (sleep is pid 1) and its hostname.
    const exec = ok(ctd.ctr(['task', 'exec', '--exec-id', 'probe', id, 'sh', '-c', 'echo exec-ok; cat /proc/1/cmdline | tr "\\0" " "; echo; hostname']));
    expect(exec.stdout.split('\n').slice(0, 2)).toEqual(['exec-ok', 'sleep 1000 ']);
    // The exec joined the init's cgroups.
    const probe = ok(ctd.ctr(['task', 'exec', '--exec-id', 'cg', id, 'cat', '/proc/self/cgroup']));
    const initCgroups = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    expect(probe.stdout).toBe(initCgroups);
    expect(initCgroups).toContain(`/${ctd.namespace}/${id}`);

    ok(ctd.ctr(['task', 'kill', '--signal', 'SIGKILL', id]));
    const deadline = Date.now() + 10000;
    let listing = '';
    while (Date.now() < deadline) {
      listing = ctd.ctr(['task', 'list']).stdout;
      if (new RegExp(`^${id}\\s+\\d+\\s+STOPPED`, 'm').test(listing)) break;
      sleepSync(50);
    }
    expect(listing).toMatch(new RegExp(`^${id}\\s+\\d+\\s+STOPPED`, 'm'));
    ok(ctd.ctr(['task', 'delete', id]));
    ok(ctd.ctr(['container', 'delete', id]));
    expect(ctd.ctr(['containers', 'list', '--quiet']).stdout).not.toContain(id);
    // skiff's state and the container's cgroup are gone with it.
    expect(fs.existsSync(`${ctd.runcRoot}/${ctd.namespace}/${id}`)).toBe(false);
    expect(isAlive(pid!)).toBe(false);
    expect(cgroupsMentioning([id])).toEqual([]);
  });

  it('--memory-limit is the limit of the container\'s cgroup', () => {
    const id = uniqueName('ctd-mem');
    const limit = 64 * 1024 * 1024;
    ok(ctd.run(id, ['sleep', '1000'], ['--detach', '--memory-limit', String(limit)]));
    const pid = ctd.taskPid(id)!;
    expect(pid).toBeDefined();
    // ctr's spec mounts no cgroupfs in the container, so read the container's cgroup from the host.
    const file = cgroupFileOf(pid, 'memory', 'memory.limit_in_bytes', 'memory.max');
    expect(file).toContain(`/${ctd.namespace}/${id}/`);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(String(limit));
  });

  const itTmux = tmuxMissing ? it.skip : it;
  itTmux(`ctr run -t in a real terminal: tty, size, typed commands and the exit code${tmuxMissing ? ' (skipped: tmux not installed)' : ''}`, () => {
    const id = uniqueName('ctd-tty');
    const term = startTmux(ctd.runArgv(id, ['sh'], ['--rm', '--tty']), { cols: 100, rows: 30 }, e2e.cleanup);
    term.waitFor(/^\/ # ?$/m, 20000); // the prompt (tmux trims trailing spaces)
    term.typeLine('tty; stty size; exit 4');
    const pane = term.waitFor(/^EXIT=\d+/m, 20000);
    expect(pane).toMatch(/^\/dev\/pts\/\d+\s*$/m);
    expect(pane).toMatch(/^30 100\s*$/m);
    expect(pane).toMatch(/^EXIT=4\s*$/m);
  });
});
