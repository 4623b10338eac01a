/** runtime.md: state, lifecycle, operations and their errors. */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Ctx } from '../ctx';
import { describe } from '../runtime';
import { CaseDef } from '../types';
import { exists, nsLink, pidAlive, readText, sleep } from '../util';

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** A container whose process traps SIGTERM and SIGUSR1 and says so (pid 1 ignores unhandled signals). */
function trapper(t: Ctx) {
  return t.bundle((c) => {
    c.process.args = [
      '/bin/sh',
      '-c',
      'trap "echo got-TERM; exit 3" TERM; trap "echo got-USR1" USR1; echo ready; while :; do sleep 0.05; done',
    ];
  });
}

async function waitOutput(t: Ctx, id: string, text: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!t.output(id).includes(text)) {
    if (Date.now() > end) t.fail(`container output never showed "${text}" (got: ${t.output(id).trim().slice(0, 200) || 'nothing'})`);
    await sleep(20);
  }
}

async function runToStopped(t: Ctx) {
  const b = t.bundle((c) => {
    c.process.args = ['/bin/true'];
  });
  await t.createOk(b);
  await t.startOk(b.id);
  await t.waitStatus(b.id, 'stopped');
  return b;
}

export const runtimeCases: CaseDef[] = [
  {
    name: 'state/created-has-required-fields',
    reqs: ['runtime/runtimeState/1', 'runtime/runtimeState/2', 'runtime/runtimeState/4', 'runtime/runtimeState/6', 'runtime/runtimeState/7', 'runtime/runtimeQueryState/3'],
    async run(t) {
      const b = t.sleeper();
      const pid = await t.createOk(b);
      const s = await t.stateOk(b.id);
      t.assert(typeof s.ociVersion === 'string' && SEMVER.test(s.ociVersion), `ociVersion ${JSON.stringify(s.ociVersion)} is not a SemVer string`);
      t.eq(s.id, b.id, 'state.id');
      t.eq(s.status, 'created', 'state.status after create');
      t.assert(typeof s.pid === 'number' && s.pid > 0, `state.pid ${JSON.stringify(s.pid)} is not a positive integer`);
      t.eq(s.pid, pid, 'state.pid vs --pid-file');
      t.assert(typeof s.bundle === 'string' && path.isAbsolute(s.bundle), `state.bundle ${JSON.stringify(s.bundle)} is not absolute`);
      t.eq(fs.realpathSync(s.bundle), fs.realpathSync(b.dir), 'state.bundle');
    },
  },
  {
    name: 'state/matches-state-schema',
    reqs: ['runtime/runtimeState/8', 'runtime/runtimeState/5'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.annotations = { 'org.example.conformance': 'yes' };
      });
      await t.createOk(b);
      for (const phase of ['created', 'running', 'stopped']) {
        if (phase === 'running') await t.startOk(b.id);
        if (phase === 'stopped') {
          await t.killOk(b.id, 'KILL');
          await t.waitStatus(b.id, 'stopped');
        }
        const s = await t.stateOk(b.id);
        const problems: string[] = [];
        for (const k of ['ociVersion', 'id', 'status', 'bundle']) if (typeof s[k] !== 'string') problems.push(`${k} is not a string`);
        if (!['creating', 'created', 'running', 'stopped'].includes(s.status)) problems.push(`status "${s.status}" is not one of the spec's values`);
        if (s.pid !== undefined && !(Number.isInteger(s.pid) && s.pid >= 0)) problems.push(`pid ${s.pid} is not a non-negative integer`);
        if (s.annotations !== undefined) {
          if (typeof s.annotations !== 'object' || s.annotations === null || Array.isArray(s.annotations)) problems.push('annotations is not an object');
          else for (const [k, v] of Object.entries(s.annotations)) if (typeof v !== 'string') problems.push(`annotation ${k} is not a string`);
        }
        if (problems.length) t.fail(`state while ${phase}: ${problems.join('; ')}`);
      }
    },
  },
  {
    name: 'state/pid-is-the-container-process',
    reqs: ['runtime/runtimeState/6'],
    async run(t) {
      const b = t.sleeper();
      await t.createOk(b);
      await t.startOk(b.id);
      const s = await t.stateOk(b.id);
      t.eq(s.status, 'running', 'status after start');
      const cmd = (readText(`/proc/${s.pid}/cmdline`) || '').split('\0').filter(Boolean);
      t.eq(cmd, ['/bin/sleep', '600'], `cmdline of state.pid ${s.pid}`);
      t.assert(nsLink(s.pid!, 'pid') !== nsLink('self', 'pid'), 'state.pid is not in the container pid namespace');
    },
  },
  {
    name: 'state/unknown-container-errors',
    reqs: ['runtime/runtimeQueryState/2'],
    async run(t) {
      const { inv } = await t.rt.state('cf-does-not-exist');
      t.assert(inv.code !== 0, `state of an unknown container exited 0: ${inv.stdout.slice(0, 200)}`);
    },
  },
  {
    name: 'state/without-id-errors',
    reqs: ['runtime/runtimeQueryState/1'],
    async run(t) {
      const inv = await t.rt.invoke(['state']);
      t.assert(inv.code !== 0, 'state without an id exited 0');
    },
  },
  {
    name: 'lifecycle/status-follows-the-lifecycle',
    reqs: ['runtime/runtimeScopeContainer/1', 'runtime/runtimeOperations/1', 'runtime/runtimeState/4'],
    async run(t) {
      const b = trapper(t);
      await t.createOk(b);
      t.eq((await t.stateOk(b.id)).status, 'created', 'status after create');
      await t.startOk(b.id);
      await waitOutput(t, b.id, 'ready');
      t.eq((await t.stateOk(b.id)).status, 'running', 'status after start');
      await t.killOk(b.id, 'TERM');
      await t.waitStatus(b.id, 'stopped');
      await t.deleteOk(b.id);
      const { inv } = await t.rt.state(b.id);
      t.assert(inv.code !== 0, 'state still answers after delete');
    },
  },
  {
    name: 'create/does-not-run-the-program',
    reqs: ['runtime/runtimeLifecycle/3', 'runtime/runtimeCreate/5', 'runtime/runtimeCreate/3'],
    async run(t) {
      const b = t.bundle((c) => {
        c.process.args = ['/bin/sh', '-c', 'touch /ran; sleep 600'];
      });
      await t.createOk(b);
      await sleep(300);
      t.assert(!exists(t.inRootfs(b, 'ran')), 'the program ran before start');
      await t.startOk(b.id);
      const end = Date.now() + 5000;
      while (!exists(t.inRootfs(b, 'ran'))) {
        if (Date.now() > end) t.fail('the program did not run after start');
        await sleep(20);
      }
    },
  },
  {
    name: 'create/applies-the-config-before-start',
    reqs: ['runtime/runtimeCreate/4', 'runtime/runtimeLifecycle/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.hostname = 'applied-at-create';
      });
      const pid = await t.createOk(b);
      t.assert(pid > 0 && pidAlive(pid), 'no live container process after create');
      for (const ns of ['mnt', 'uts', 'ipc', 'net', 'pid']) {
        const k = ns === 'pid' ? 'pid' : ns;
        t.assert(nsLink(pid, k) !== nsLink('self', k), `after create the process is still in the host ${ns} namespace`);
      }
      const h = spawnSync('nsenter', ['-t', String(pid), '-u', 'hostname'], { encoding: 'utf8' });
      t.eq(h.stdout.trim(), 'applied-at-create', 'hostname in the container UTS namespace after create');
      const mi = readText(`/proc/${pid}/mountinfo`) || '';
      t.assert(/ \/proc rw[^ ]* .* - proc /.test(mi) || / \/proc \S+ .*- proc /.test(mi), 'the /proc mount is not in place after create');
      const cg = readText(`/proc/${pid}/cgroup`) || '';
      t.assert(cg.includes(`/skiff-conformance/${b.id}`), `after create the process is not in its cgroup (${cg.replace(/\n/g, ' ').slice(0, 200)})`);
    },
  },
  {
    name: 'create/later-config-edits-have-no-effect',
    reqs: ['runtime/runtimeLifecycle/4'],
    async run(t) {
      const b = t.bundle((c) => {
        c.process.args = ['/checker'];
        c.hostname = 'original';
        c.process.env.push('CF_MARK=original');
      });
      await t.createOk(b);
      b.config.hostname = 'edited';
      b.config.process.env = b.config.process.env.map((e: string) => (e.startsWith('CF_MARK=') ? 'CF_MARK=edited' : e));
      b.config.process.args = ['/bin/false'];
      b.write();
      await t.startOk(b.id);
      const r = await t.waitReport(b.id);
      t.eq(r.hostname, 'original', 'hostname');
      t.assert(r.env.includes('CF_MARK=original'), `env after the edit: ${r.env.filter((e) => e.startsWith('CF_MARK')).join(',') || 'no CF_MARK'}`);
    },
  },
  {
    name: 'create/duplicate-id-errors-and-keeps-the-first',
    reqs: ['runtime/runtimeCreate/2', 'runtime/runtimeState/3'],
    async run(t) {
      const a = t.sleeper();
      const pid = await t.createOk(a);
      const b = t.sleeper(undefined);
      const inv = await t.create(b, a.id);
      t.assert(inv.code !== 0, 'a second create with the same id succeeded');
      const s = await t.stateOk(a.id);
      t.eq(s.status, 'created', 'status of the first container');
      t.eq(s.pid, pid, 'pid of the first container');
      t.eq(fs.realpathSync(s.bundle), fs.realpathSync(a.dir), 'bundle of the first container');
    },
  },
  {
    name: 'create/without-bundle-or-id-errors',
    reqs: ['runtime/runtimeCreate/1'],
    async run(t) {
      const b = t.sleeper();
      const noId = await t.rt.invoke(['create', '--bundle', b.dir]);
      t.assert(noId.code !== 0, 'create without an id exited 0');
      const missing = path.join(t.dir, 'no-such-bundle');
      const id = t.newId();
      const noBundle = await t.rt.invoke(['create', '--bundle', missing, id]);
      t.assert(noBundle.code !== 0, 'create with a missing bundle exited 0');
      const { inv } = await t.rt.state(id);
      t.assert(inv.code !== 0, 'create with a missing bundle left a container');
    },
  },
  {
    name: 'create/invalid-id-errors',
    reqs: ['runtime/runtimeCreate/2'],
    async run(t) {
      const b = t.sleeper();
      for (const bad of ['../escape', 'a/b']) {
        const inv = await t.create(b, bad);
        if (inv.code === 0) {
          await t.rt.delete(bad, true);
          t.fail(`create accepted the id ${JSON.stringify(bad)}`);
        }
      }
      t.assert(!exists(path.join(t.dir, 'escape')), 'the id "../escape" created something outside the state root');
    },
  },
  {
    name: 'create/error-leaves-no-trace',
    reqs: ['runtime/runtimeErrors/1', 'runtime/runtimeLifecycle/2', 'runtime/runtimeCreate/6'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.mounts.push({ destination: '/mnt/a', type: 'tmpfs', source: 'tmpfs' });
        c.mounts.push({ destination: '/mnt/missing', type: 'bind', source: '/nonexistent/conformance/source', options: ['bind'] });
      });
      await t.expectCreateFails(b, 'a bind mount source does not exist');
    },
  },
  {
    name: 'start/runs-the-program',
    reqs: ['runtime/runtimeStart/3', 'runtime/runtimeLifecycle/13'],
    async run(t) {
      const r = await t.check(undefined, ['read:/proc/self/cmdline']);
      t.eq(r.probes['read:/proc/self/cmdline']?.text?.split('\0')[0], '/checker', 'argv[0] of the container process');
    },
  },
  {
    name: 'start/twice-errors-and-keeps-running',
    reqs: ['runtime/runtimeStart/2'],
    async run(t) {
      const b = t.sleeper();
      const pid = await t.createOk(b);
      await t.startOk(b.id);
      const again = await t.rt.start(b.id);
      t.assert(again.code !== 0, 'a second start exited 0');
      const s = await t.stateOk(b.id);
      t.eq(s.status, 'running', 'status after the second start');
      t.eq(s.pid, pid, 'pid after the second start');
    },
  },
  {
    name: 'start/stopped-container-errors',
    reqs: ['runtime/runtimeStart/2'],
    async run(t) {
      const b = await runToStopped(t);
      const again = await t.rt.start(b.id);
      t.assert(again.code !== 0, 'start of a stopped container exited 0');
      t.eq((await t.stateOk(b.id)).status, 'stopped', 'status');
    },
  },
  {
    name: 'start/without-id-errors',
    reqs: ['runtime/runtimeStart/1'],
    async run(t) {
      const inv = await t.rt.invoke(['start']);
      t.assert(inv.code !== 0, 'start without an id exited 0');
      const unknown = await t.rt.start('cf-does-not-exist');
      t.assert(unknown.code !== 0, 'start of an unknown container exited 0');
    },
  },
  {
    name: 'start/without-process-errors',
    reqs: ['runtime/runtimeStart/4', 'config/configProcess/1'],
    async run(t) {
      const b = t.bundle((c) => {
        delete c.process;
      });
      const inv = await t.create(b);
      if (inv.code !== 0) {
        t.note('create already refused a config without process');
        return;
      }
      const st = await t.rt.start(b.id);
      t.assert(st.code !== 0, 'start of a container without process exited 0');
    },
  },
  {
    name: 'kill/sends-the-signal',
    reqs: ['runtime/runtimeKill/3'],
    async run(t) {
      const b = trapper(t);
      await t.createOk(b);
      await t.startOk(b.id);
      await waitOutput(t, b.id, 'ready');
      await t.killOk(b.id, 'USR1');
      await waitOutput(t, b.id, 'got-USR1');
      t.eq((await t.stateOk(b.id)).status, 'running', 'status after SIGUSR1');
      await t.killOk(b.id, 'SIGTERM');
      await waitOutput(t, b.id, 'got-TERM');
      await t.waitStatus(b.id, 'stopped');
    },
  },
  {
    name: 'kill/created-container',
    reqs: ['runtime/runtimeKill/3', 'runtime/runtimeKill/2'],
    async run(t) {
      const b = t.sleeper();
      await t.createOk(b);
      await t.killOk(b.id, 'KILL');
      await t.waitStatus(b.id, 'stopped');
    },
  },
  {
    name: 'kill/stopped-container-errors',
    reqs: ['runtime/runtimeKill/2'],
    async run(t) {
      const b = await runToStopped(t);
      const inv = await t.rt.kill(b.id, 'KILL');
      t.assert(inv.code !== 0, 'kill of a stopped container exited 0');
      t.eq((await t.stateOk(b.id)).status, 'stopped', 'status');
    },
  },
  {
    name: 'kill/without-id-errors',
    reqs: ['runtime/runtimeKill/1'],
    async run(t) {
      const inv = await t.rt.invoke(['kill']);
      t.assert(inv.code !== 0, 'kill without an id exited 0');
    },
  },
  {
    name: 'delete/running-container-errors',
    reqs: ['runtime/runtimeDelete/2'],
    async run(t) {
      const b = t.sleeper();
      const pid = await t.createOk(b);
      await t.startOk(b.id);
      const inv = await t.rt.delete(b.id);
      t.assert(inv.code !== 0, 'delete of a running container exited 0');
      const s = await t.stateOk(b.id);
      t.eq(s.status, 'running', 'status after the refused delete');
      t.assert(pidAlive(pid), 'the container process died');
    },
  },
  {
    name: 'delete/created-container-errors',
    reqs: ['runtime/runtimeDelete/2'],
    async run(t) {
      const b = t.sleeper();
      const pid = await t.createOk(b);
      const inv = await t.rt.delete(b.id);
      t.assert(inv.code !== 0, 'delete of a created (not stopped) container exited 0');
      const s = await t.stateOk(b.id);
      t.eq(s.status, 'created', 'status after the refused delete');
      t.assert(pidAlive(pid), 'the container process died');
    },
  },
  {
    name: 'delete/removes-what-create-made',
    reqs: ['runtime/runtimeDelete/3', 'runtime/runtimeLifecycle/16'],
    async run(t) {
      const b = t.bundle((c) => {
        c.process.args = ['/bin/true'];
        c.mounts.push({ destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs' });
        c.linux.resources.pids = { limit: 100 };
      });
      const pid = await t.createOk(b);
      const cgBefore = t.cgroupDirs(b.id).filter((d) => exists(d));
      await t.startOk(b.id);
      await t.waitStatus(b.id, 'stopped');
      await t.deleteOk(b.id);
      const { inv } = await t.rt.state(b.id);
      t.assert(inv.code !== 0, 'state still answers after delete');
      const cgAfter = cgBefore.filter((d) => exists(d));
      t.assert(!cgAfter.length, `cgroups left after delete: ${cgAfter.join(', ')}`);
      t.assert(!pidAlive(pid), 'the container process is still alive');
      const left = fs.existsSync(t.rt.root) ? fs.readdirSync(t.rt.root).filter((e) => e.includes(b.id)) : [];
      t.assert(!left.length, `state entries left in the state root: ${left.join(', ')}`);
      const mounts = (readText('/proc/self/mountinfo') || '').split('\n').filter((l) => l.includes(b.dir));
      t.assert(!mounts.length, `mounts left under the bundle: ${mounts.length}`);
    },
  },
  {
    name: 'delete/keeps-what-create-did-not-make',
    reqs: ['runtime/runtimeDelete/4'],
    async run(t) {
      const shared = path.join(t.dir, 'shared-volume');
      fs.mkdirSync(shared);
      fs.writeFileSync(path.join(shared, 'keep.txt'), 'precious');
      const b = t.bundle((c) => {
        c.process.args = ['/bin/sh', '-c', 'echo written > /vol/new.txt'];
        c.mounts.push({ destination: '/vol', type: 'bind', source: shared, options: ['rbind', 'rw'] });
      });
      await t.createOk(b);
      await t.startOk(b.id);
      await t.waitStatus(b.id, 'stopped');
      await t.deleteOk(b.id);
      t.eq(readText(path.join(shared, 'keep.txt')), 'precious', 'a file of the bind-mounted host folder');
      t.eq(readText(path.join(shared, 'new.txt')), 'written\n', 'a file the container wrote to the bind mount');
      t.assert(exists(path.join(b.rootfs, 'checker')), 'delete removed files of the rootfs');
      t.assert(exists(b.configPath), 'delete removed config.json');
    },
  },
  {
    name: 'delete/without-id-errors',
    reqs: ['runtime/runtimeDelete/1'],
    async run(t) {
      const inv = await t.rt.invoke(['delete']);
      t.assert(inv.code !== 0, 'delete without an id exited 0');
    },
  },
  {
    name: 'delete/unknown-container-errors',
    reqs: ['runtime/runtimeDelete/2'],
    async run(t) {
      const inv = await t.rt.delete('cf-does-not-exist');
      t.assert(inv.code !== 0, `delete of an unknown container exited 0 (${describe(inv)})`);
    },
  },
];
