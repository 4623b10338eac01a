/**
 * config.md "Linux mount options": one case per option of the table, each
 * checking what mountinfo shows inside the container (or, for options with no
 * visible trace, that the runtime accepts them and mounts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { CheckerReport, Ctx } from '../ctx';
import { kernelAtLeast } from '../host';
import { loadRequirements } from '../requirements';
import { CaseDef } from '../types';
import { MountInfo, mountAt } from '../util';

const DEST = '/mnt/o';

/** The requirement id of "Runtimes MUST|SHOULD implement the mount option `opt`." */
function optionReq(opt: string): string {
  const r = loadRequirements().find((q) => q.section === 'configLinuxMountOptions' && q.text.endsWith(`mount option \`${opt}\`.`));
  if (!r) throw new Error(`no requirement for mount option ${opt}`);
  return r.id;
}

type Expect = (m: MountInfo, r: CheckerReport) => string | null;

const has = (flag: string): Expect => (m) => (m.options.includes(flag) ? null : `per-mount options "${m.options.join(',')}" lack ${flag}`);
const lacks = (flag: string): Expect => (m) => (!m.options.includes(flag) ? null : `per-mount options "${m.options.join(',')}" still have ${flag}`);
const superHas = (flag: string): Expect => (m) => (m.superOptions.includes(flag) ? null : `superblock options "${m.superOptions.join(',')}" lack ${flag}`);
const superLacks = (flag: string): Expect => (m) => (!m.superOptions.includes(flag) ? null : `superblock options "${m.superOptions.join(',')}" still have ${flag}`);
const optional = (re: RegExp, what: string): Expect => (m) => (re.test(m.optional.join(' ')) ? null : `propagation "${m.optional.join(' ')}" is not ${what}`);
const mounted: Expect = () => null;
const all =
  (...es: Expect[]): Expect =>
  (m, r) => {
    for (const e of es) {
      const err = e(m, r);
      if (err) return err;
    }
    return null;
  };

/** Simple options: a tmpfs at DEST mounted with `options`. */
const SIMPLE: Array<[string, string[], Expect, string?]> = [
  ['async', ['sync', 'async'], superLacks('sync')],
  ['atime', ['noatime', 'atime'], lacks('noatime')],
  ['defaults', ['defaults'], has('rw')],
  ['dev', ['nodev', 'dev'], lacks('nodev')],
  ['diratime', ['nodiratime', 'diratime'], lacks('nodiratime')],
  ['dirsync', ['dirsync'], superHas('dirsync')],
  ['exec', ['noexec', 'exec'], lacks('noexec')],
  ['iversion', ['iversion'], mounted, 'no trace of iversion in mountinfo for tmpfs: checks that it is accepted'],
  ['lazytime', ['lazytime'], superHas('lazytime')],
  ['loud', ['silent', 'loud'], mounted, 'no visible trace: checks that it is accepted'],
  ['noatime', ['noatime'], has('noatime')],
  ['nodev', ['nodev'], has('nodev')],
  ['nodiratime', ['nodiratime'], has('nodiratime')],
  ['noexec', ['noexec'], has('noexec')],
  ['noiversion', ['iversion', 'noiversion'], mounted, 'no trace of iversion in mountinfo for tmpfs: checks that it is accepted'],
  ['nolazytime', ['lazytime', 'nolazytime'], superLacks('lazytime')],
  ['norelatime', ['norelatime'], mounted, 'the kernel defaults to relatime without it: checks that it is accepted'],
  ['nostrictatime', ['strictatime', 'nostrictatime'], has('relatime')],
  ['nosuid', ['nosuid'], has('nosuid')],
  ['nosymfollow', ['nosymfollow'], has('nosymfollow')],
  ['ro', ['ro'], has('ro')],
  ['rw', ['ro', 'rw'], has('rw')],
  ['silent', ['silent'], mounted, 'no visible trace: checks that it is accepted'],
  ['strictatime', ['strictatime'], all(lacks('relatime'), lacks('noatime'))],
  ['suid', ['nosuid', 'suid'], lacks('nosuid')],
  ['symfollow', ['nosymfollow', 'symfollow'], lacks('nosymfollow')],
  ['sync', ['sync'], superHas('sync')],
  ['private', ['private'], optional(/^$/, 'private')],
  ['rprivate', ['rprivate'], optional(/^$/, 'private')],
  ['shared', ['shared'], optional(/shared:\d+/, 'shared')],
  ['rshared', ['rshared'], optional(/shared:\d+/, 'shared')],
  ['unbindable', ['unbindable'], optional(/unbindable/, 'unbindable')],
  ['runbindable', ['runbindable'], optional(/unbindable/, 'unbindable')],
];

function simpleCase([opt, options, expect, note]: [string, string[], Expect, string?]): CaseDef {
  return {
    name: `mount-options/${opt}`,
    reqs: [optionReq(opt), 'config/configLinuxMountOptions/72'],
    async run(t) {
      const r = await t.check((c) => {
        c.mounts.push({ destination: DEST, type: 'tmpfs', source: 'cfopt', options: [...options, 'size=1m'] });
      });
      const m = mountAt(r.mounts, DEST);
      t.assert(m, `nothing mounted at ${DEST} with options ${options.join(',')}`);
      const err = expect(m!, r);
      if (err) t.fail(`${options.join(',')}: ${err}`);
      if (note) t.note(note);
    },
  };
}

/**
 * A host folder to bind: SRC/file, and SRC/sub, a tmpfs mounted on the host with `subOpts`
 * (holding SRC/sub/subfile). Unmounted at cleanup (everything under the case folder is).
 */
function hostTree(t: Ctx, subOpts: string[] = [], shared = false): string {
  const src = path.join(t.dir, 'src');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'file'), 'top');
  if (shared) {
    const r = spawnSync('mount', ['-t', 'tmpfs', 'cfsrc', src]);
    if (r.status !== 0) t.fail(`cannot mount a tmpfs on the host: ${r.stderr}`);
    spawnSync('mount', ['--make-shared', src]);
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'file'), 'top');
  }
  const args = ['-t', 'tmpfs'];
  if (subOpts.length) args.push('-o', subOpts.join(','));
  const r = spawnSync('mount', [...args, 'cfsub', path.join(src, 'sub')], { encoding: 'utf8' });
  if (r.status !== 0) t.fail(`cannot mount a tmpfs on the host: ${r.stderr}`);
  if (!subOpts.includes('ro')) fs.writeFileSync(path.join(src, 'sub', 'subfile'), 'sub');
  return src;
}

/** Recursive attribute options: rbind a host tree whose submount starts with `subOpts`; both mounts must show `expect`. */
const RECURSIVE: Array<[string, string[], Expect | null]> = [
  ['rro', [], has('ro')],
  ['rrw', ['ro'], has('rw')],
  ['rnosuid', [], has('nosuid')],
  ['rsuid', ['nosuid'], lacks('nosuid')],
  ['rdev', ['nodev'], lacks('nodev')],
  ['rnoexec', [], has('noexec')],
  ['rexec', ['noexec'], lacks('noexec')],
  ['rnoatime', [], has('noatime')],
  ['ratime', ['noatime'], lacks('noatime')],
  ['rnodiratime', [], has('nodiratime')],
  ['rdiratime', ['nodiratime'], lacks('nodiratime')],
  ['rrelatime', ['strictatime'], has('relatime')],
  ['rnorelatime', [], null],
  ['rstrictatime', ['relatime'], all(lacks('relatime'), lacks('noatime'))],
  ['rnostrictatime', ['strictatime'], null],
  ['rnosymfollow', [], has('nosymfollow')],
  ['rsymfollow', ['nosymfollow'], lacks('nosymfollow')],
];

function recursiveCase([opt, subOpts, expect]: [string, string[], Expect | null]): CaseDef {
  return {
    name: `mount-options/${opt}`,
    reqs: [optionReq(opt)],
    async run(t) {
      if (!kernelAtLeast(t.host, 5, 12)) t.skip('recursive mount attributes need mount_setattr (Linux 5.12)');
      const src = hostTree(t, subOpts);
      const r = await t.check((c) => {
        c.mounts.push({ destination: DEST, type: 'bind', source: src, options: ['rbind', opt] });
      }, [`read:${DEST}/sub/subfile`]);
      const top = mountAt(r.mounts, DEST);
      const sub = mountAt(r.mounts, `${DEST}/sub`);
      t.assert(top && sub, `the rbind of a tree with a submount did not bring both mounts (top: ${!!top}, sub: ${!!sub})`);
      if (!expect) {
        t.note('no reliable trace in mountinfo: checks that it is accepted');
        return;
      }
      for (const [name, m] of [
        ['top', top!],
        ['submount', sub!],
      ] as const) {
        const err = expect(m, r);
        if (err) t.fail(`${opt} on the ${name}: ${err}`);
      }
    },
  };
}

function idmapReady(t: Ctx): void {
  if (!t.host.userNamespaces) t.skip('user namespaces are disabled on this host');
  if (!kernelAtLeast(t.host, 5, 12)) t.skip('idmapped mounts need Linux 5.12');
  const fsType = spawnSync('stat', ['-f', '-c', '%T', t.dir], { encoding: 'utf8' }).stdout.trim();
  if (!['ext2/ext3', 'xfs', 'btrfs', 'tmpfs', 'f2fs', 'vfat'].includes(fsType)) t.skip(`the work folder is on ${fsType}, which may not support idmapped mounts`);
}

/**
 * Runs a user-namespaced container with an idmapped bind of a host-root-owned file and
 * tells whether the runtime applied the mount mapping, ignored it, or refused the config.
 */
export async function idmapProbe(t: Ctx): Promise<'applied' | 'ignored' | 'refused'> {
  idmapReady(t);
  const src = path.join(t.dir, 'idprobe');
  fs.mkdirSync(src, { mode: 0o755 });
  fs.writeFileSync(path.join(src, 'root-owned'), 'x');
  const b = t.bundle((c, bb) => {
    fs.mkdirSync(path.join(bb.rootfs, DEST), { recursive: true });
    USERNS(c);
    c.process.args = ['/checker', `stat:${DEST}/root-owned`];
    c.mounts.push({
      destination: DEST,
      type: 'bind',
      source: src,
      options: ['bind', 'idmap'],
      uidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
    });
  });
  const inv = await t.create(b);
  if (inv.code !== 0) return 'refused';
  await t.startOk(b.id);
  const r = await t.waitReport(b.id);
  return r.probes[`stat:${DEST}/root-owned`]?.uid === 0 ? 'applied' : 'ignored';
}

const USERNS = (c: any) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
};

const other = (): CaseDef[] => [
  {
    name: 'mount-options/bind',
    reqs: [optionReq('bind')],
    async run(t) {
      const src = hostTree(t);
      const r = await t.check((c) => {
        c.mounts.push({ destination: DEST, type: 'bind', source: src, options: ['bind'] });
      }, [`read:${DEST}/file`, `read:${DEST}/sub/subfile`]);
      t.eq(r.probes[`read:${DEST}/file`].text, 'top', 'a file of the bind-mounted folder');
      t.assert(!mountAt(r.mounts, `${DEST}/sub`), 'a non-recursive bind brought the submount along');
    },
  },
  {
    name: 'mount-options/rbind',
    reqs: [optionReq('rbind')],
    async run(t) {
      const src = hostTree(t);
      const r = await t.check((c) => {
        c.mounts.push({ destination: DEST, type: 'bind', source: src, options: ['rbind'] });
      }, [`read:${DEST}/sub/subfile`]);
      t.eq(r.probes[`read:${DEST}/sub/subfile`].text, 'sub', 'a file of the submount under an rbind');
    },
  },
  {
    name: 'mount-options/relatime',
    reqs: [optionReq('relatime'), 'config/configLinuxMountOptions/72'],
    async run(t) {
      // relatime is the kernel default for new mounts, so change a host noatime mount through a bind.
      const src = hostTree(t, ['noatime']);
      const r = await t.check((c) => {
        c.mounts.push({ destination: DEST, type: 'bind', source: path.join(src, 'sub'), options: ['bind', 'relatime'] });
      });
      const m = mountAt(r.mounts, DEST);
      t.assert(m, `nothing mounted at ${DEST}`);
      const err = all(has('relatime'), lacks('noatime'))(m!, r);
      if (err) t.fail(`bind,relatime of a noatime mount: ${err}`);
    },
  },
  {
    name: 'mount-options/remount',
    reqs: [optionReq('remount')],
    async run(t) {
      const r = await t.check((c) => {
        c.mounts.push({ destination: DEST, type: 'tmpfs', source: 'cfopt', options: ['size=1m'] });
        c.mounts.push({ destination: DEST, type: 'tmpfs', source: 'cfopt', options: ['remount', 'ro', 'size=1m'] });
      });
      const ms = r.mounts.filter((m) => m.mountPoint === DEST);
      t.eq(ms.length, 1, `mounts at ${DEST} (remount must change the existing one, not add one)`);
      t.assert(ms[0].options.includes('ro'), `after remount,ro the mount is ${ms[0].options.join(',')}`);
    },
  },
  ...(['slave', 'rslave'] as const).map(
    (opt): CaseDef => ({
      name: `mount-options/${opt}`,
      reqs: [optionReq(opt)],
      async run(t) {
        const src = hostTree(t, [], true);
        const r = await t.check((c) => {
          // A slave rootfs keeps host peer groups as masters, whatever the runtime does before binding.
          c.linux.rootfsPropagation = 'slave';
          c.mounts.push({ destination: DEST, type: 'bind', source: src, options: ['rbind', opt] });
        });
        const m = mountAt(r.mounts, DEST);
        t.assert(m, `nothing mounted at ${DEST}`);
        const opts = m!.optional.join(' ');
        t.assert(/master:\d+/.test(opts) && !/shared:/.test(opts), `propagation of a ${opt} bind of a shared host mount is "${opts}", want master:N only`);
      },
    }),
  ),
  ...(['idmap', 'ridmap'] as const).map(
    (opt): CaseDef => ({
      name: `mount-options/${opt}-applies-the-mount-mappings`,
      reqs: [optionReq(opt), `config/configLinuxMountOptions/${opt === 'idmap' ? 59 : 66}`, `config/configLinuxMountOptions/${opt === 'idmap' ? 61 : 68}`, 'config/configPOSIXMounts/1'],
      async run(t) {
        idmapReady(t);
        const src = path.join(t.dir, 'idsrc');
        fs.mkdirSync(src, { mode: 0o755 });
        fs.writeFileSync(path.join(src, 'root-owned'), 'x');
        fs.chmodSync(t.dir, 0o755);
        const r = await t.check(
          (c, b) => {
            fs.mkdirSync(path.join(b.rootfs, DEST), { recursive: true }); // container root may not create it
            USERNS(c);
            c.mounts.push({
              destination: DEST,
              type: 'bind',
              source: src,
              options: [opt === 'idmap' ? 'bind' : 'rbind', opt],
              uidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
              gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
            });
          },
          [`stat:${DEST}/root-owned`, 'stat:/checker'],
        );
        const st = r.probes[`stat:${DEST}/root-owned`];
        t.assert(!st.errno, `cannot stat the file on the idmapped mount (errno ${st.errno})`);
        t.eq([st.uid, st.gid], [0, 0], 'owner seen through the idmapped mount (host root mapped by the mount mappings)');
        t.eq(r.probes['stat:/checker'].uid, 65534, 'owner of a rootfs file outside the idmapped mount (host root, unmapped)');
      },
    }),
  ),
  {
    name: 'mount-options/idmap-without-mount-mappings-uses-userns-or-errors',
    reqs: ['config/configLinuxMountOptions/62', 'config/configLinuxMountOptions/69'],
    async run(t) {
      idmapReady(t);
      const src = path.join(t.dir, 'idsrc');
      fs.mkdirSync(src, { mode: 0o755 });
      fs.writeFileSync(path.join(src, 'root-owned'), 'x');
      const b = t.bundle((c, bb) => {
        fs.mkdirSync(path.join(bb.rootfs, DEST), { recursive: true });
        USERNS(c);
        c.process.args = ['/checker', `stat:${DEST}/root-owned`];
        c.mounts.push({ destination: DEST, type: 'bind', source: src, options: ['bind', 'idmap'] });
      });
      const inv = await t.create(b);
      if (inv.code !== 0) {
        t.note('refused (allowed)');
        return;
      }
      await t.startOk(b.id);
      const r = await t.waitReport(b.id);
      t.eq(r.probes[`stat:${DEST}/root-owned`]?.uid, 0, 'owner through an idmap mount that took the container mapping (65534 = no mapping applied)');
    },
  },
  {
    name: 'mount-options/idmap-without-mappings-or-userns-errors',
    reqs: ['config/configLinuxMountOptions/63', 'config/configLinuxMountOptions/70'],
    async run(t) {
      const src = path.join(t.dir, 'idsrc');
      fs.mkdirSync(src);
      const b = t.sleeper((c) => {
        c.mounts.push({ destination: DEST, type: 'bind', source: src, options: ['bind', 'idmap'] });
      });
      await t.expectCreateFails(b, 'an idmap mount has no mappings and the container has no user namespace');
    },
  },
  {
    name: 'mounts/uidMappings-without-gidMappings-errors',
    reqs: ['config/configPOSIXMounts/3', 'config/configPOSIXMounts/6'],
    async run(t) {
      const src = path.join(t.dir, 'idsrc');
      fs.mkdirSync(src);
      const b = t.sleeper((c) => {
        USERNS(c);
        c.mounts.push({
          destination: DEST,
          type: 'bind',
          source: src,
          options: ['bind', 'idmap'],
          uidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
        });
      });
      await t.expectCreateFails(b, 'a mount has uidMappings but no gidMappings');
    },
  },
];

export const mountOptionCases = (): CaseDef[] => [...SIMPLE.map(simpleCase), ...RECURSIVE.map(recursiveCase), ...other()];
