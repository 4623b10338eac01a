/**
 * Cgroups on a pure cgroup v2 host. This host is hybrid, so the runtime runs through a wrapper that
 * gives it a private mount namespace where /sys/fs/cgroup is one directory of the host's cgroup2
 * tree and nothing else: what a v2-only host looks like, with no controller delegated. There the
 * v2 code paths carry everything: directories, the eBPF device program, cgroup.freeze, cpu.stat.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cgroup2MountPoint, makeBundle, ok, RuntimeUnderTest, scratchDir, uniqueName, useE2E } from '../helpers';

const e2e = useE2E();
const v2Root = cgroup2MountPoint();
const haveUnshare = ['/usr/bin/unshare', '/bin/unshare'].some((p) => fs.existsSync(p));
const describeIf = v2Root && haveUnshare ? describe : describe.skip;

const WRAPPER = `#!/bin/sh
# Runs the runtime where /sys/fs/cgroup is $V2_DIR (a cgroup2 directory) and nothing else.
set -e
if [ -z "$V2_INNER" ]; then
  export V2_INNER=1
  exec unshare -m --propagation private -- "$0" "$@"
fi
stage=$(mktemp -d)
mount --bind "$V2_DIR" "$stage"
umount -l /sys/fs/cgroup
mount --move "$stage" /sys/fs/cgroup
rmdir "$stage"
unset V2_INNER
exec "$RUNTIME" "$@"
`;

describeIf(`pure cgroup v2 (the runtime sees only ${v2Root ?? 'a cgroup2 tree'})`, () => {
  let v2Dir = '';
  let wrapper = '';

  beforeEach(() => {
    const dir = scratchDir('v2only');
    wrapper = path.join(dir, 'runtime');
    fs.writeFileSync(wrapper, WRAPPER, { mode: 0o755 });
    v2Dir = path.join(v2Root!, uniqueName('v2host'));
    fs.mkdirSync(v2Dir);
    // Removed with whatever is below it, after the test's containers are deleted.
    e2e.cleanup.trackCgroup(`/${path.basename(v2Dir)}`);
  });
  /** The runtime under test, through the wrapper. */
  const runtime = () => new RuntimeUnderTest(wrapper, { cleanup: e2e.cleanup, env: { ...process.env, V2_DIR: v2Dir, RUNTIME: e2e.binary } });
  const rel = (id: string) => `/${path.basename(v2Dir)}/${id}`;

  it('the container gets a cgroup in the v2 tree only, removed at delete', () => {
    const rt = runtime();
    const id = uniqueName('v2c');
    ok(rt.run(id, makeBundle({ args: ['/bin/sleep', '100'], configure: (c) => (c.linux!.cgroupsPath = `/${id}`) }), { detach: true }));
    const pid = rt.state(id).pid!;
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    expect(lines).toContain(`0::${rel(id)}\n`);
    expect(fs.readFileSync(path.join(v2Dir, id, 'cgroup.procs'), 'utf8')).toContain(String(pid));
    ok(rt.delete(id, { force: true }));
    expect(fs.existsSync(path.join(v2Dir, id))).toBe(false);
  });

  it('device rules are an eBPF program: a device not allowed cannot be opened, a default one can', () => {
    const rt = runtime();
    const id = uniqueName('v2dev');
    // /dev/kmsg is made in the container but not allowed; the default devices always are.
    const r = rt.run(id, makeBundle({
      args: ['/bin/sh', '-c', 'head -c1 /dev/kmsg >/dev/null && echo kmsg-open; echo x > /dev/null && echo null-open'],
      configure: (c) => {
        c.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11 }];
        c.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
      },
    }));
    expect(r.stdout).toContain('null-open');
    expect(r.stdout).not.toContain('kmsg-open');
    expect(r.stdout + r.stderr).toMatch(/Operation not permitted/);
  });

  it('pause freezes through cgroup.freeze and resume thaws; events --stats reads cpu.stat', () => {
    const rt = runtime();
    const id = uniqueName('v2frz');
    ok(rt.run(id, makeBundle({ args: ['/bin/sh', '-c', 'while :; do :; done'], configure: (c) => (c.linux!.cgroupsPath = `/${id}`) }), { detach: true }));
    ok(rt.invoke(['pause', id]));
    expect(rt.state(id).status).toBe('paused');
    expect(fs.readFileSync(path.join(v2Dir, id, 'cgroup.freeze'), 'utf8').trim()).toBe('1');
    ok(rt.invoke(['resume', id]));
    expect(rt.state(id).status).toBe('running');
    const stats = JSON.parse(ok(rt.invoke(['events', '--stats', id])).stdout);
    expect(stats.data.cpu.usage.total).toBeGreaterThan(0);
    ok(rt.delete(id, { force: true }));
  });

  it('a limit whose controller the tree lacks fails create, naming it, and leaves nothing', () => {
    const rt = runtime();
    const id = uniqueName('v2mem');
    const r = rt.run(id, makeBundle({ args: ['/bin/true'], configure: (c) => { c.linux!.cgroupsPath = `/${id}`; c.linux!.resources = { memory: { limit: 64 << 20 } }; } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/memory/);
    expect(fs.existsSync(path.join(v2Dir, id))).toBe(false);
    expect(ok(rt.invoke(['list', '-q'])).stdout.trim()).toBe('');
  });
});
