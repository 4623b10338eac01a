/** Hooks: config.md "POSIX-platform Hooks" and runtime.md lifecycle steps 3-13. */
import * as fs from 'fs';
import * as path from 'path';
import { Bundle, Ctx } from '../ctx';
import { CaseDef } from '../types';
import { exists, nsLink, shellQuote, sleep } from '../util';

type Kind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

interface HookSpec {
  kind: Kind;
  label: string;
  rc?: number;
  nap?: number;
  cmd?: string;
  /** 'ctr': the hook path exists only inside the container (startContainer's path resolves there). */
  where?: 'host' | 'ctr';
  timeout?: number;
}

interface Hooked {
  b: Bundle;
  /** Host folder where host-path hooks log. */
  hostLog: string;
  /** Host view of the folder container-path hooks log to. */
  ctrLog: string;
}

/** A bundle with recorder hooks. The program touches /ran and sleeps, unless mutate changes it. */
function hooked(t: Ctx, specs: HookSpec[], mutate?: (c: any) => void): Hooked {
  const hostScript = t.hookScript(path.join(t.dir, 'host-hook.sh'));
  const hostLog = path.join(t.dir, 'hooklog');
  const b = t.bundle((c, bb) => {
    c.process.args = ['/bin/sh', '-c', 'touch /ran; exec sleep 600'];
    t.hookScript(path.join(bb.rootfs, 'cf-hook'));
    c.hooks = {};
    for (const s of specs) {
      const where = s.where ?? 'host';
      const script = where === 'host' ? hostScript : '/cf-hook';
      const log = where === 'host' ? hostLog : '/cf-hooklog';
      const args = [script, log, s.label, String(s.rc ?? 0), String(s.nap ?? 0)];
      if (s.cmd) args.push(s.cmd);
      const h: any = { path: script, args, env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', `CF_HOOK=${s.label}`] };
      if (s.timeout !== undefined) h.timeout = s.timeout;
      (c.hooks[s.kind] ||= []).push(h);
    }
    if (mutate) mutate(c);
  });
  return { b, hostLog, ctrLog: path.join(b.rootfs, 'cf-hooklog') };
}

/** The container process's namespaces, read from the host. */
function containerNs(pid: number): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const n of ['mnt', 'uts', 'pid', 'net', 'ipc']) out[n] = nsLink(pid, n);
  return out;
}

function expectRuntimeNs(t: Ctx, rec: { ns: Record<string, string> }, ctr: Record<string, string | null>, what: string) {
  t.assert(rec.ns.uts, `${what}: no namespace record`);
  t.eq(rec.ns.uts, nsLink('self', 'uts'), `${what}: UTS namespace (should be the runtime's)`);
  t.eq(rec.ns.net, nsLink('self', 'net'), `${what}: network namespace (should be the runtime's)`);
  t.assert(rec.ns.mnt !== ctr.mnt, `${what}: ran in the container mount namespace`);
}

function expectContainerNs(t: Ctx, rec: { ns: Record<string, string> }, ctr: Record<string, string | null>, what: string) {
  t.assert(rec.ns.mnt, `${what}: no namespace record`);
  for (const n of ['mnt', 'uts', 'ipc', 'net']) t.eq(rec.ns[n], ctr[n], `${what}: ${n} namespace (should be the container's)`);
}

async function waitHook(t: Ctx, dir: string, label: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!t.hookOrder(dir).includes(label)) {
    if (Date.now() > end) t.fail(`hook ${label} did not run`);
    await sleep(20);
  }
}

/** After a failed create: nothing left, and whether poststop ran. */
async function failingCreateHook(t: Ctx, kind: Kind) {
  const h = hooked(t, [
    { kind, label: 'failing', rc: 1 },
    { kind: 'poststop', label: 'poststop' },
  ]);
  await t.expectCreateFails(h.b, `a ${kind} hook exited 1`);
  t.assert(!exists(t.inRootfs(h.b, 'ran')), 'the program ran');
}

async function failingCreateHookRunsPoststop(t: Ctx, kind: Kind) {
  const h = hooked(t, [
    { kind, label: 'failing', rc: 1 },
    { kind: 'poststop', label: 'poststop' },
  ]);
  const inv = await t.create(h.b);
  t.assert(inv.code !== 0, `create succeeded although a ${kind} hook exited 1`);
  await sleep(100);
  t.assert(t.hookOrder(h.hostLog).includes('poststop'), `after the failed ${kind} hook the poststop hooks did not run (lifecycle step 13)`);
}

const ALL_KINDS: HookSpec[] = [
  { kind: 'prestart', label: 'prestart' },
  { kind: 'createRuntime', label: 'createRuntime' },
  { kind: 'createContainer', label: 'createContainer' },
  { kind: 'startContainer', label: 'startContainer', where: 'ctr' },
  { kind: 'poststart', label: 'poststart' },
  { kind: 'poststop', label: 'poststop' },
];

export const hookCases: CaseDef[] = [
  {
    name: 'hooks/run-in-listed-order',
    reqs: ['config/configHooks/19'],
    async run(t) {
      const h = hooked(t, [
        { kind: 'createRuntime', label: 'cr1' },
        { kind: 'createRuntime', label: 'cr2', nap: 0.1 },
        { kind: 'createRuntime', label: 'cr3' },
        { kind: 'poststop', label: 'ps1', nap: 0.1 },
        { kind: 'poststop', label: 'ps2' },
      ]);
      await t.createOk(h.b);
      t.eq(t.hookOrder(h.hostLog), ['cr1', 'cr2', 'cr3'], 'createRuntime hooks order');
      await t.killOk(h.b.id);
      await t.waitStatus(h.b.id, 'stopped');
      await t.deleteOk(h.b.id);
      t.eq(t.hookOrder(h.hostLog).slice(3), ['ps1', 'ps2'], 'poststop hooks order');
    },
  },
  {
    name: 'hooks/kinds-run-at-their-lifecycle-steps',
    reqs: [
      'runtime/runtimeLifecycle/5',
      'runtime/runtimeLifecycle/7',
      'runtime/runtimeLifecycle/9',
      'runtime/runtimeLifecycle/11',
      'runtime/runtimeLifecycle/14',
      'runtime/runtimeLifecycle/17',
      'config/configHooksPrestart/2',
      'config/configHooksCreateContainer/2',
    ],
    async run(t) {
      const h = hooked(t, ALL_KINDS);
      await t.createOk(h.b);
      t.eq(t.hookOrder(h.hostLog), ['prestart', 'createRuntime', 'createContainer'], 'hooks run by create');
      t.eq(t.hookOrder(h.ctrLog), [], 'startContainer hooks before start');
      await t.startOk(h.b.id);
      t.eq(t.hookOrder(h.ctrLog), ['startContainer'], 'hooks run in the container by start');
      t.eq(t.hookOrder(h.hostLog), ['prestart', 'createRuntime', 'createContainer', 'poststart'], 'host hooks after start');
      await t.killOk(h.b.id);
      await t.waitStatus(h.b.id, 'stopped');
      await t.deleteOk(h.b.id);
      t.eq(t.hookOrder(h.hostLog).slice(4), ['poststop'], 'hooks run by delete');
    },
  },
  {
    name: 'hooks/receive-the-state-on-stdin',
    reqs: ['config/configHooks/20'],
    async run(t) {
      const h = hooked(t, ALL_KINDS);
      await t.createOk(h.b);
      await t.startOk(h.b.id);
      await t.killOk(h.b.id);
      await t.waitStatus(h.b.id, 'stopped');
      await t.deleteOk(h.b.id);
      const bundle = fs.realpathSync(h.b.dir);
      for (const s of ALL_KINDS) {
        const rec = t.hookRecord(s.where === 'ctr' ? h.ctrLog : h.hostLog, s.label);
        t.assert(rec.ran, `${s.label} hook did not run`);
        const st = rec.state;
        t.assert(st && typeof st === 'object' && !st.unparsable, `${s.label} hook stdin is not JSON: ${JSON.stringify(st?.unparsable ?? '').slice(0, 100)}`);
        t.eq(st.id, h.b.id, `${s.label} state.id`);
        t.assert(typeof st.ociVersion === 'string', `${s.label} state.ociVersion missing`);
        t.assert(typeof st.status === 'string', `${s.label} state.status missing`);
        t.assert(typeof st.bundle === 'string' && fs.realpathSync(st.bundle) === bundle, `${s.label} state.bundle ${st.bundle}`);
      }
      t.eq(t.hookRecord(h.hostLog, 'poststop').state.status, 'stopped', 'poststop state.status');
    },
  },
  {
    name: 'hooks/prestart-runs-in-the-runtime-namespace',
    reqs: ['config/configHooks/4', 'config/configHooks/5', 'config/configHooksPrestart/1', 'config/configHooksPrestart/3', 'config/configHooksPrestart/4'],
    async run(t) {
      const h = hooked(t, [{ kind: 'prestart', label: 'prestart' }]);
      const pid = await t.createOk(h.b);
      const rec = t.hookRecord(h.hostLog, 'prestart');
      t.assert(rec.ran, 'the prestart hook (a path that exists only on the host) did not run');
      expectRuntimeNs(t, rec, containerNs(pid), 'prestart');
      t.assert(rec.state?.pid > 0, 'the prestart hook got no container pid: the environment was not created yet');
    },
  },
  {
    name: 'hooks/createRuntime-runs-in-the-runtime-namespace',
    reqs: ['config/configHooks/9', 'config/configHooks/10', 'config/configHooksCreateRuntime/1', 'config/configHooksCreateRuntime/2', 'config/configHooksCreateRuntime/3'],
    async run(t) {
      const h = hooked(t, [{ kind: 'createRuntime', label: 'createRuntime' }]);
      const pid = await t.createOk(h.b);
      const rec = t.hookRecord(h.hostLog, 'createRuntime');
      t.assert(rec.ran, 'the createRuntime hook (a path that exists only on the host) did not run');
      expectRuntimeNs(t, rec, containerNs(pid), 'createRuntime');
      t.assert(rec.state?.pid > 0, 'the createRuntime hook got no container pid');
    },
  },
  {
    name: 'hooks/createContainer-runs-in-the-container-namespace',
    reqs: ['config/configHooks/11', 'config/configHooks/12', 'config/configHooksCreateContainer/1', 'config/configHooksCreateContainer/3', 'config/configHooksCreateContainer/4'],
    async run(t) {
      const h = hooked(t, [{ kind: 'createContainer', label: 'createContainer' }]);
      const pid = await t.createOk(h.b);
      const rec = t.hookRecord(h.hostLog, 'createContainer');
      t.assert(rec.ran, 'the createContainer hook (a path that exists only on the host) did not run');
      expectContainerNs(t, rec, containerNs(pid), 'createContainer');
    },
  },
  {
    name: 'hooks/startContainer-runs-in-the-container-before-the-program',
    reqs: ['config/configHooks/13', 'config/configHooks/14', 'config/configHooksStartContainer/1', 'config/configHooksStartContainer/2', 'config/configHooksStartContainer/3'],
    async run(t) {
      const h = hooked(t, [{ kind: 'startContainer', label: 'startContainer', where: 'ctr', cmd: 'test -e /ran' }]);
      const pid = await t.createOk(h.b);
      t.assert(!t.hookRecord(h.ctrLog, 'startContainer').ran, 'the startContainer hook ran during create');
      await t.startOk(h.b.id);
      await waitHook(t, h.ctrLog, 'startContainer');
      const rec = t.hookRecord(h.ctrLog, 'startContainer');
      t.assert(rec.ran, 'the startContainer hook (a path that exists only in the container) did not run');
      expectContainerNs(t, rec, containerNs(pid), 'startContainer');
      t.eq(rec.cmdrc, '1', 'whether /ran (made by the program) existed when the hook ran (1 = not yet)');
    },
  },
  {
    name: 'hooks/poststart-runs-after-the-program-before-start-returns',
    reqs: ['config/configHooks/15', 'config/configHooks/16', 'config/configHooksPoststart/1', 'config/configHooksPoststart/2', 'config/configHooksPoststart/3'],
    async run(t) {
      const h = hooked(t, [{ kind: 'poststart', label: 'poststart', nap: 0.4 }]);
      h.b.config.process.args = ['/bin/sleep', '600'];
      h.b.write();
      const pid = await t.createOk(h.b);
      t.assert(!t.hookRecord(h.hostLog, 'poststart').ran, 'the poststart hook ran during create');
      await t.startOk(h.b.id);
      t.assert(t.hookOrder(h.hostLog).includes('poststart'), 'start returned before the poststart hook finished');
      const rec = t.hookRecord(h.hostLog, 'poststart');
      expectRuntimeNs(t, rec, containerNs(pid), 'poststart');
      t.eq((rec.cmdline || '').trim(), '/bin/sleep 600', 'command line of the container process when poststart ran');
    },
  },
  {
    name: 'hooks/poststop-runs-after-delete-before-it-returns',
    reqs: ['config/configHooks/17', 'config/configHooks/18', 'config/configHooksPoststop/1', 'config/configHooksPoststop/2', 'config/configHooksPoststop/3'],
    async run(t) {
      const h = hooked(t, []);
      const stateCmd = `${shellQuote(t.runtime.path)} --root ${shellQuote(t.rt.root)} state ${h.b.id}`;
      h.b.config.hooks = {
        poststop: [
          {
            path: path.join(t.dir, 'host-hook.sh'),
            args: [path.join(t.dir, 'host-hook.sh'), h.hostLog, 'poststop', '0', '0.3', stateCmd],
          },
        ],
      };
      h.b.write();
      const pid = await t.createOk(h.b);
      const ctr = containerNs(pid);
      await t.startOk(h.b.id);
      await t.killOk(h.b.id);
      await t.waitStatus(h.b.id, 'stopped');
      t.assert(!t.hookRecord(h.hostLog, 'poststop').ran, 'poststop ran before delete');
      await t.deleteOk(h.b.id);
      t.assert(t.hookOrder(h.hostLog).includes('poststop'), 'delete returned before the poststop hook finished');
      const rec = t.hookRecord(h.hostLog, 'poststop');
      t.eq(rec.ns.uts, nsLink('self', 'uts'), 'poststop UTS namespace (should be the runtime\'s)');
      t.assert(rec.ns.mnt !== ctr.mnt, 'poststop ran in the container mount namespace');
      t.assert(rec.cmdrc !== '0', 'the container still existed (state succeeded) when poststop ran');
    },
  },
  {
    name: 'hooks/container-namespace-hooks-get-the-container-pid',
    reqs: ['runtime/runtimeState/6'],
    async run(t) {
      const h = hooked(t, [
        { kind: 'createRuntime', label: 'createRuntime' },
        { kind: 'createContainer', label: 'createContainer' },
        { kind: 'startContainer', label: 'startContainer', where: 'ctr' },
      ]);
      const pid = await t.createOk(h.b);
      await t.startOk(h.b.id);
      await waitHook(t, h.ctrLog, 'startContainer');
      t.eq(t.hookRecord(h.hostLog, 'createRuntime').state?.pid, pid, 'createRuntime (runtime namespace) state.pid');
      t.eq(t.hookRecord(h.hostLog, 'createContainer').state?.pid, 1, 'createContainer (container namespace) state.pid');
      t.eq(t.hookRecord(h.ctrLog, 'startContainer').state?.pid, 1, 'startContainer (container namespace) state.pid');
    },
  },
  {
    name: 'hooks/failing-prestart-fails-create-and-destroys',
    reqs: ['runtime/runtimeLifecycle/6'],
    run: (t) => failingCreateHook(t, 'prestart'),
  },
  {
    name: 'hooks/failing-createRuntime-fails-create-and-destroys',
    reqs: ['runtime/runtimeLifecycle/8'],
    run: (t) => failingCreateHook(t, 'createRuntime'),
  },
  {
    name: 'hooks/failing-createContainer-fails-create-and-destroys',
    reqs: ['runtime/runtimeLifecycle/10'],
    run: (t) => failingCreateHook(t, 'createContainer'),
  },
  {
    name: 'hooks/failing-prestart-continues-to-poststop',
    reqs: ['runtime/runtimeLifecycle/6', 'runtime/runtimeLifecycle/17'],
    run: (t) => failingCreateHookRunsPoststop(t, 'prestart'),
  },
  {
    name: 'hooks/failing-createRuntime-continues-to-poststop',
    reqs: ['runtime/runtimeLifecycle/8', 'runtime/runtimeLifecycle/17'],
    run: (t) => failingCreateHookRunsPoststop(t, 'createRuntime'),
  },
  {
    name: 'hooks/failing-createContainer-continues-to-poststop',
    reqs: ['runtime/runtimeLifecycle/10', 'runtime/runtimeLifecycle/17'],
    run: (t) => failingCreateHookRunsPoststop(t, 'createContainer'),
  },
  {
    name: 'hooks/failing-startContainer-fails-start',
    reqs: ['runtime/runtimeLifecycle/12'],
    async run(t) {
      const h = hooked(t, [{ kind: 'startContainer', label: 'failing', rc: 1, where: 'ctr' }]);
      await t.createOk(h.b);
      const inv = await t.rt.start(h.b.id);
      t.assert(inv.code !== 0, 'start succeeded although a startContainer hook exited 1');
      await sleep(200);
      t.assert(!exists(t.inRootfs(h.b, 'ran')), 'the program ran after the failing startContainer hook');
      const { state } = await t.rt.state(h.b.id);
      t.assert(!state || state.status === 'stopped', `the container is ${state?.status} after the failed start (should be stopped)`);
    },
  },
  {
    name: 'hooks/failing-poststart-fails-start-and-stops',
    reqs: ['runtime/runtimeLifecycle/15'],
    async run(t) {
      const h = hooked(t, [{ kind: 'poststart', label: 'failing', rc: 1 }]);
      await t.createOk(h.b);
      const inv = await t.rt.start(h.b.id);
      t.assert(inv.code !== 0, 'start succeeded although a poststart hook exited 1 (runtime-spec 1.3.0: the operation must fail)');
      const end = Date.now() + 3000;
      for (;;) {
        const { state } = await t.rt.state(h.b.id);
        if (!state || state.status === 'stopped') break;
        if (Date.now() > end) t.fail(`the container is still ${state.status} after the failing poststart hook`);
        await sleep(50);
      }
    },
  },
  {
    name: 'hooks/failing-poststop-only-warns',
    reqs: ['runtime/runtimeLifecycle/18', 'runtime/runtimeWarnings/1'],
    async run(t) {
      const h = hooked(t, [
        { kind: 'poststop', label: 'failing', rc: 1 },
        { kind: 'poststop', label: 'after' },
      ]);
      await t.createOk(h.b);
      await t.startOk(h.b.id);
      await t.killOk(h.b.id);
      await t.waitStatus(h.b.id, 'stopped');
      const inv = await t.rt.delete(h.b.id);
      t.eq(inv.code, 0, 'delete exit code with a failing poststop hook');
      t.eq(t.hookOrder(h.hostLog), ['failing', 'after'], 'poststop hooks that ran');
      const { inv: st } = await t.rt.state(h.b.id);
      t.assert(st.code !== 0, 'the container still exists after delete');
    },
  },
  {
    name: 'hooks/relative-path-is-rejected',
    reqs: ['config/configHooks/2', 'config/configHooks/7', 'config/valid-values/1'],
    async run(t) {
      const h = hooked(t, []);
      h.b.config.hooks = { createRuntime: [{ path: 'bin/true', args: ['true'] }] };
      h.b.write();
      await t.expectCreateFails(h.b, 'a hook path is relative');
    },
  },
  {
    name: 'hooks/zero-timeout-is-rejected',
    reqs: ['config/configHooks/3', 'config/configHooks/8', 'config/valid-values/1'],
    async run(t) {
      const h = hooked(t, []);
      h.b.config.hooks = { createRuntime: [{ path: '/bin/true', args: ['true'], timeout: 0 }] };
      h.b.write();
      await t.expectCreateFails(h.b, 'a hook timeout is 0');
    },
  },
  {
    name: 'hooks/env-and-args-are-passed',
    reqs: ['config/configHooks/1', 'config/configHooks/6'],
    async run(t) {
      const h = hooked(t, [{ kind: 'createRuntime', label: 'cr' }]);
      await t.createOk(h.b);
      const rec = t.hookRecord(h.hostLog, 'cr');
      t.assert(rec.env.includes('CF_HOOK=cr'), `hook env lacks CF_HOOK=cr: ${rec.env.join(' ').slice(0, 200)}`);
      t.eq(rec.args, `${h.hostLog} cr 0 0`, 'hook arguments after argv[0]');
    },
  },
];

