/** config.md: version, root, mounts (order, paths), process, user, hostname, annotations, extensibility. */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CAPS } from '../config';
import { CheckerReport } from '../ctx';
import { CaseDef } from '../types';
import { diffSets, mountAt } from '../util';

const EROFS = 30;

function probe(r: CheckerReport, key: string): any {
  const v = r.probes[key];
  if (v === undefined) throw new Error(`no probe ${key}`);
  return v;
}


export const configCases: CaseDef[] = [
  // ---- ociVersion ------------------------------------------------------------------------
  {
    name: 'config/ociVersion-not-semver-is-rejected',
    reqs: ['config/configSpecificationVersion/1', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.ociVersion = 'version one';
      });
      await t.expectCreateFails(b, 'ociVersion is not SemVer');
    },
  },
  // ---- root ------------------------------------------------------------------------------
  {
    name: 'root/readonly-makes-the-root-read-only',
    reqs: ['config/configRoot/8'],
    async run(t) {
      const r = await t.check((c) => {
        c.root.readonly = true;
      }, ['write:/cf-probe', 'write:/tmp/cf-probe']);
      t.eq(probe(r, 'write:/cf-probe').errno, EROFS, 'errno writing a file in / with root.readonly');
      const root = mountAt(r.mounts, '/');
      t.assert(root && root.options.includes('ro'), `the / mount is not ro: ${root?.options.join(',')}`);
    },
  },
  {
    name: 'root/writable-by-default',
    reqs: ['config/configRoot/8'],
    async run(t) {
      const r = await t.check((c) => {
        delete c.root.readonly;
      }, ['write:/cf-probe']);
      t.eq(probe(r, 'write:/cf-probe').errno, 0, 'errno writing a file in / without root.readonly');
    },
  },
  {
    name: 'root/absolute-path-works',
    reqs: ['config/configRoot/4', 'config/configRoot/3'],
    async run(t) {
      const r = await t.check((c, b) => {
        c.root.path = b.rootfs;
      }, ['stat:/checker']);
      t.eq(probe(r, 'stat:/checker').type, 'file', '/checker in a root given by absolute path');
    },
  },
  {
    name: 'root/missing-directory-errors',
    reqs: ['config/configRoot/7', 'runtime/runtimeCreate/6'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.root.path = 'no-such-rootfs';
      });
      await t.expectCreateFails(b, 'root.path does not exist');
    },
  },
  {
    name: 'root/missing-root-errors',
    reqs: ['config/configRoot/3', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        delete c.root;
      });
      await t.expectCreateFails(b, 'config.json has no root');
    },
  },
  // ---- mounts ------------------------------------------------------------------------------
  {
    name: 'mounts/applied-in-listed-order',
    reqs: ['config/configMounts/1'],
    async run(t) {
      const r = await t.check((c) => {
        c.mounts.push({ destination: '/mnt/a', type: 'tmpfs', source: 'first', options: ['size=1m'] });
        c.mounts.push({ destination: '/mnt/a/b', type: 'tmpfs', source: 'nested', options: ['size=2m'] });
        c.mounts.push({ destination: '/mnt/c', type: 'tmpfs', source: 'under', options: ['size=1m'] });
        c.mounts.push({ destination: '/mnt/c', type: 'tmpfs', source: 'over', options: ['size=3m'] });
      });
      const ab = mountAt(r.mounts, '/mnt/a/b');
      t.assert(ab && ab.source === 'nested', `/mnt/a/b is not the nested tmpfs (it must be mounted after /mnt/a): ${ab?.source}`);
      const cc = mountAt(r.mounts, '/mnt/c');
      t.assert(cc && cc.source === 'over', `the top mount at /mnt/c is "${cc?.source}", want the later entry "over"`);
    },
  },
  {
    name: 'mounts/relative-destination-is-relative-to-root',
    reqs: ['config/configMounts/4'],
    async run(t) {
      const r = await t.check((c) => {
        c.mounts.push({ destination: 'mnt/rel', type: 'tmpfs', source: 'relative' });
      });
      t.assert(mountAt(r.mounts, '/mnt/rel')?.source === 'relative', 'no tmpfs at /mnt/rel for destination "mnt/rel"');
    },
  },
  {
    name: 'mounts/bind-source-relative-to-bundle',
    reqs: ['config/configLinuxMountOptions/4'],
    async run(t) {
      const r = await t.check((c, b) => {
        fs.mkdirSync(path.join(b.dir, 'data'));
        fs.writeFileSync(path.join(b.dir, 'data', 'hello'), 'from-bundle');
        c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind'] });
      }, ['read:/data/hello']);
      t.eq(probe(r, 'read:/data/hello').text, 'from-bundle', 'file of a bind mount whose source is relative to the bundle');
    },
  },
  {
    name: 'mounts/unknown-options-go-to-the-filesystem',
    reqs: ['config/configLinuxMountOptions/74'],
    level: 'SHOULD',
    async run(t) {
      const r = await t.check((c) => {
        c.mounts.push({ destination: '/mnt/fsopt', type: 'tmpfs', source: 'tmpfs', options: ['mode=700', 'size=2m'] });
      }, ['stat:/mnt/fsopt']);
      t.eq(probe(r, 'stat:/mnt/fsopt').mode, 0o700, 'mode of a tmpfs mounted with mode=700');
      const m = mountAt(r.mounts, '/mnt/fsopt');
      t.assert(m?.superOptions.includes('size=2048k'), `tmpfs size option not applied: ${m?.superOptions.join(',')}`);
    },
  },
  // ---- process ------------------------------------------------------------------------------
  {
    name: 'process/args-use-execvp-path-lookup',
    reqs: ['config/configProcess/7'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.args = ['checker', 'read:/proc/self/cmdline'];
        c.process.env = ['PATH=/usr/bin:/'];
      });
      t.eq(probe(r, 'read:/proc/self/cmdline').text.split('\0')[0], 'checker', 'argv[0]');
    },
  },
  {
    name: 'process/empty-args-is-rejected',
    reqs: ['config/configProcess/7', 'config/valid-values/1'],
    async run(t) {
      const b = t.bundle((c) => {
        c.process.args = [];
      });
      const inv = await t.create(b);
      if (inv.code === 0) {
        const st = await t.rt.start(b.id);
        t.assert(st.code !== 0, 'create and start accepted process.args = []');
      }
    },
  },
  {
    name: 'process/cwd-is-set',
    reqs: ['config/configProcess/5'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.cwd = '/tmp';
      });
      t.eq(r.cwd, '/tmp', 'working directory');
    },
  },
  {
    name: 'process/relative-cwd-is-rejected',
    reqs: ['config/configProcess/6', 'config/valid-values/1'],
    async run(t) {
      const b = t.bundle((c) => {
        c.process.cwd = 'tmp';
      });
      const inv = await t.create(b);
      if (inv.code === 0) {
        const st = await t.rt.start(b.id);
        t.assert(st.code !== 0, 'create and start accepted a relative process.cwd');
      }
    },
  },
  {
    name: 'process/env-is-set',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.env = ['PATH=/bin:/usr/bin', 'CF_ONE=1', 'CF_SPACES=a b  c', 'CF_EMPTY='];
      });
      for (const e of ['PATH=/bin:/usr/bin', 'CF_ONE=1', 'CF_SPACES=a b  c', 'CF_EMPTY=']) {
        t.assert(r.env.includes(e), `environment lacks ${JSON.stringify(e)}: ${JSON.stringify(r.env)}`);
      }
    },
  },
  {
    name: 'process/consoleSize-ignored-without-terminal',
    reqs: ['config/configProcess/2'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.terminal = false;
        c.process.consoleSize = { height: 10, width: 20 };
      });
      t.eq(r.tty, [0, 0, 0], 'isatty(0/1/2)');
    },
  },
  {
    name: 'process/user-uid-gid-and-additional-gids',
    reqs: ['config/configPOSIXUser/1', 'config/configPOSIXUser/2'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.user = { uid: 1234, gid: 2345, additionalGids: [5, 6] };
      });
      t.eq([r.uid, r.euid], [1234, 1234], 'uid, euid');
      t.eq([r.gid, r.egid], [2345, 2345], 'gid, egid');
      const groups = [...r.groups].sort((a, b) => a - b);
      t.assert(groups.includes(5) && groups.includes(6), `supplementary groups ${JSON.stringify(groups)} lack 5 and 6`);
      t.assert(groups.every((g) => [5, 6, 2345].includes(g)), `supplementary groups ${JSON.stringify(groups)} has more than additionalGids`);
    },
  },
  {
    name: 'process/umask-is-set',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.user.umask = 0o027;
      });
      t.eq(r.umask, 0o027, 'umask');
    },
  },
  {
    name: 'process/rlimits-are-set',
    reqs: ['config/configPOSIXProcess/5', 'config/configPOSIXProcess/7', 'config/configPOSIXProcess/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.rlimits = [
          { type: 'RLIMIT_NOFILE', soft: 512, hard: 1000 },
          { type: 'RLIMIT_CORE', soft: 0, hard: 4096 },
          { type: 'RLIMIT_NPROC', soft: 300, hard: 400 },
          { type: 'RLIMIT_MSGQUEUE', soft: 8192, hard: 8192 },
        ];
      });
      t.eq(r.rlimits.RLIMIT_NOFILE, { soft: '512', hard: '1000' }, 'RLIMIT_NOFILE');
      t.eq(r.rlimits.RLIMIT_CORE, { soft: '0', hard: '4096' }, 'RLIMIT_CORE');
      t.eq(r.rlimits.RLIMIT_NPROC, { soft: '300', hard: '400' }, 'RLIMIT_NPROC');
      t.eq(r.rlimits.RLIMIT_MSGQUEUE, { soft: '8192', hard: '8192' }, 'RLIMIT_MSGQUEUE');
    },
  },
  {
    name: 'process/unknown-rlimit-errors',
    reqs: ['config/configPOSIXProcess/2'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.process.rlimits.push({ type: 'RLIMIT_NOT_A_LIMIT', soft: 1, hard: 1 });
      });
      await t.expectCreateFails(b, 'an rlimit type is unknown');
    },
  },
  {
    name: 'process/duplicate-rlimit-errors',
    reqs: ['config/configPOSIXProcess/8'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.process.rlimits = [
          { type: 'RLIMIT_NOFILE', soft: 100, hard: 100 },
          { type: 'RLIMIT_NOFILE', soft: 200, hard: 200 },
        ];
      });
      await t.expectCreateFails(b, 'rlimits has RLIMIT_NOFILE twice');
    },
  },
  {
    name: 'process/unraisable-rlimit-errors',
    reqs: ['runtime/runtimeCreate/6', 'runtime/runtimeErrors/1'],
    async run(t) {
      if (t.host.caps.includes('CAP_SYS_RESOURCE')) t.skip('the suite holds CAP_SYS_RESOURCE, so any hard limit can be raised');
      if (!Number.isFinite(t.host.hardNofile)) t.skip('the hard RLIMIT_NOFILE of the suite is unlimited');
      const want = t.host.hardNofile + 1000;
      const b = t.sleeper((c) => {
        c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: want, hard: want }];
      });
      const inv = await t.create(b);
      if (inv.code === 0) {
        const st = await t.rt.start(b.id);
        t.assert(st.code !== 0, `create and start succeeded though RLIMIT_NOFILE ${want} is above the caller's hard limit without CAP_SYS_RESOURCE`);
      } else {
        await t.expectNoTrace(b);
      }
    },
  },
  {
    name: 'process/capabilities-are-set-for-root',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const B = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETPCAP', 'CAP_SYS_CHROOT'];
      const I = ['CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT'];
      const A = ['CAP_NET_BIND_SERVICE'];
      const r = await t.check((c) => {
        c.process.capabilities = { bounding: B, permitted: B, effective: B, inheritable: I, ambient: A };
      });
      const want: Record<string, string[]> = { bounding: B, permitted: B, effective: B, inheritable: I, ambient: A };
      for (const set of Object.keys(want)) {
        const got = (r.caps as any)[set] as string[];
        if (got.slice().sort().join() !== want[set].slice().sort().join()) t.fail(`${set} capabilities: ${diffSets(got, want[set])}`);
      }
    },
  },
  {
    name: 'process/capabilities-are-set-for-non-root',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const B = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETPCAP', 'CAP_SYS_CHROOT'];
      const I = ['CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT'];
      const A = ['CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT'];
      const r = await t.check((c) => {
        c.process.user = { uid: 1000, gid: 1000 };
        c.process.capabilities = { bounding: B, permitted: B, effective: B, inheritable: I, ambient: A };
      });
      // After execve a non-root process without file capabilities keeps exactly its ambient set.
      const want: Record<string, string[]> = { bounding: B, inheritable: I, ambient: A, permitted: A, effective: A };
      for (const set of Object.keys(want)) {
        const got = (r.caps as any)[set] as string[];
        if (got.slice().sort().join() !== want[set].slice().sort().join()) t.fail(`${set} capabilities: ${diffSets(got, want[set])}`);
      }
    },
  },
  {
    name: 'process/root-capabilities-default-set',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check();
      for (const set of ['bounding', 'permitted', 'effective'] as const) {
        if (r.caps[set].slice().sort().join() !== [...DEFAULT_CAPS].sort().join()) t.fail(`${set}: ${diffSets(r.caps[set], DEFAULT_CAPS)}`);
      }
      t.eq(r.caps.ambient, [], 'ambient capabilities (none configured)');
    },
  },
  {
    name: 'process/ungrantable-capability-does-not-fail',
    reqs: ['config/configLinuxProcess/2'],
    async run(t) {
      if (t.host.caps.includes('CAP_SYS_RESOURCE')) t.skip('the suite holds every capability; none is ungrantable here');
      const r = await t.check((c) => {
        for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_SYS_RESOURCE');
      });
      t.assert(r.caps.bounding.includes('CAP_KILL'), 'the grantable capabilities were not kept');
    },
  },
  {
    name: 'process/noNewPrivileges-true',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.noNewPrivileges = true;
      });
      t.eq(r.no_new_privs, 1, 'PR_GET_NO_NEW_PRIVS');
    },
  },
  {
    name: 'process/noNewPrivileges-false',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.noNewPrivileges = false;
      });
      t.eq(r.no_new_privs, 0, 'PR_GET_NO_NEW_PRIVS');
    },
  },
  {
    name: 'process/oomScoreAdj-is-set',
    reqs: ['config/configLinuxProcess/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.oomScoreAdj = 321;
      });
      t.eq(String(r.oom_score_adj).trim(), '321', 'oom_score_adj');
    },
  },
  {
    name: 'process/oomScoreAdj-unset-is-inherited',
    reqs: ['config/configLinuxProcess/4'],
    async run(t) {
      // Run the runtime with oom_score_adj 123 (via choom); the container must keep it.
      const b = t.bundle((c) => {
        delete c.process.oomScoreAdj;
      });
      const pidFile = path.join(t.dir, `${b.id}.pid`);
      const inv = await t.rt.invoke(['create', '--bundle', b.dir, '--pid-file', pidFile, b.id], { wrap: ['choom', '-n', '123', '--'] });
      if (inv.code !== 0) t.fail(`create under choom failed: ${inv.stderr.trim().slice(0, 200)}`);
      t.track(b.id, inv.stdoutFile, pidFile);
      await t.startOk(b.id);
      const r = await t.waitReport(b.id);
      t.eq(String(r.oom_score_adj).trim(), '123', 'oom_score_adj of the container (runtime ran with 123, config sets none)');
    },
  },
  {
    name: 'process/scheduler-policy-is-set',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
      });
      t.eq(r.sched.policy, 3, 'scheduling policy (3 = SCHED_BATCH)');
      t.eq(r.sched.nice, 5, 'nice');
    },
  },
  {
    name: 'process/ioPriority-is-set',
    reqs: ['runtime/runtimeStart/3'],
    async run(t) {
      const r = await t.check((c) => {
        c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      });
      t.eq(r.ioprio, (2 << 13) | 6, 'ioprio_get (class BE = 2, level 6)');
    },
  },
  // ---- hostname / domainname --------------------------------------------------------------------
  {
    name: 'hostname/is-set',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      const r = await t.check((c) => {
        c.hostname = 'cf-host-name';
      });
      t.eq(r.hostname, 'cf-host-name', 'hostname');
      t.assert(t.host.hostname !== 'cf-host-name', 'the host hostname changed');
    },
  },
  {
    name: 'domainname/is-set',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      const r = await t.check((c) => {
        c.domainname = 'cf.example';
      });
      t.eq(r.domainname, 'cf.example', 'domainname');
    },
  },
  // ---- annotations / extensibility / valid values -------------------------------------------------
  {
    name: 'annotations/unknown-keys-are-accepted',
    reqs: ['config/configAnnotations/15'],
    async run(t) {
      const r = await t.check((c) => {
        c.annotations = { 'com.example.unknown': 'x', 'org.example.empty': '', 'io.example.json': '{"a":1}' };
      });
      t.eq(r.uid, 0, 'the container ran');
    },
  },
  {
    name: 'annotations/empty-key-is-rejected',
    reqs: ['config/configAnnotations/3', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.annotations = { '': 'x' };
      });
      await t.expectCreateFails(b, 'an annotation key is empty');
    },
  },
  {
    name: 'annotations/non-string-value-is-rejected',
    reqs: ['config/configAnnotations/16', 'config/configAnnotations/2', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.annotations = { 'com.example.n': 1 };
      });
      await t.expectCreateFails(b, 'an annotation value is a number');
    },
  },
  {
    name: 'annotations/non-map-is-rejected',
    reqs: ['config/configAnnotations/1', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.annotations = ['com.example.a=b'];
      });
      await t.expectCreateFails(b, 'annotations is an array');
    },
  },
  {
    name: 'config/unknown-properties-are-ignored',
    reqs: ['config/configExtensibility/1'],
    async run(t) {
      const r = await t.check((c) => {
        c.cfUnknownTopLevel = { nested: [1, 2] };
        c.process.cfUnknown = true;
        c.linux.cfUnknown = 'x';
        c.root.cfUnknown = 1;
      });
      t.eq(r.uid, 0, 'the container ran');
    },
  },
  {
    name: 'config/unknown-namespace-type-is-rejected',
    reqs: ['config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.linux.namespaces.push({ type: 'no-such-namespace' });
      });
      await t.expectCreateFails(b, 'a namespace type is unknown');
    },
  },
  {
    name: 'config/bad-json-is-rejected',
    reqs: ['runtime/runtimeLifecycle/2', 'runtime/runtimeErrors/1'],
    async run(t) {
      const b = t.sleeper();
      fs.writeFileSync(b.configPath, '{"ociVersion": "1.0.2", "process": ');
      await t.expectCreateFails(b, 'config.json is not JSON');
    },
  },
];
