/**
 * features.md and features-linux.md: the `features` command (runc's CLI). A runtime
 * without it skips these cases; what it lists must then work in config.json.
 */
import { Ctx } from '../ctx';
import { CaseDef } from '../types';
import { exists, mountAt } from '../util';
import { idmapProbe } from './mount-options';

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function features(t: Ctx): any {
  if (!t.runtime.features) t.skip(`the runtime has no usable \`features\` command (${t.runtime.featuresError})`);
  return t.runtime.features;
}

function semverCmp(a: string, b: string): number {
  const pa = a.split(/[-+]/)[0].split('.').map(Number);
  const pb = b.split(/[-+]/)[0].split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

const TOP = ['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations', 'potentiallyUnsafeConfigAnnotations'];
const LINUX = ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux', 'intelRdt', 'mountExtensions', 'netDevices', 'memoryPolicy'];

/** Mount options that only make sense with a bind source, or need more than a plain tmpfs. */
const NOT_ON_TMPFS = new Set(['bind', 'rbind', 'remount', 'idmap', 'ridmap', 'mand', 'nomand', 'tmpcopyup', 'acl', 'noacl']);

export const featureCases: CaseDef[] = [
  {
    name: 'features/versions-are-semver-and-ordered',
    reqs: ['features/featuresSpecificationVersion/1', 'features/featuresSpecificationVersion/3', 'features/featuresSpecificationVersion/5'],
    async run(t) {
      const f = features(t);
      t.assert(typeof f.ociVersionMin === 'string' && SEMVER.test(f.ociVersionMin), `ociVersionMin ${JSON.stringify(f.ociVersionMin)} is not SemVer`);
      t.assert(typeof f.ociVersionMax === 'string' && SEMVER.test(f.ociVersionMax), `ociVersionMax ${JSON.stringify(f.ociVersionMax)} is not SemVer`);
      t.assert(semverCmp(f.ociVersionMax, f.ociVersionMin) >= 0, `ociVersionMax ${f.ociVersionMax} is less than ociVersionMin ${f.ociVersionMin}`);
    },
  },
  ...(['ociVersionMin', 'ociVersionMax'] as const).map(
    (k): CaseDef => ({
      name: `features/accepts-${k}-as-ociVersion`,
      reqs: [k === 'ociVersionMin' ? 'features/featuresSpecificationVersion/2' : 'features/featuresSpecificationVersion/4'],
      async run(t) {
        const f = features(t);
        const r = await t.check((c) => {
          c.ociVersion = f[k];
        });
        t.eq(r.uid, 0, 'the container ran');
      },
    }),
  ),
  {
    name: 'features/only-defined-properties',
    reqs: ['features/featuresSpecificationVersion/6'],
    async run(t) {
      const f = features(t);
      const extra = Object.keys(f).filter((k) => !TOP.includes(k));
      const extraLinux = f.linux && typeof f.linux === 'object' ? Object.keys(f.linux).filter((k) => !LINUX.includes(k)) : [];
      t.assert(!extra.length && !extraLinux.length, `properties not in runtime-spec 1.3.0: ${[...extra, ...extraLinux.map((k) => 'linux.' + k)].join(', ')}`);
    },
  },
  {
    name: 'features/annotations-are-a-string-map',
    reqs: ['features/featuresAnnotations/1'],
    async run(t) {
      const f = features(t);
      if (f.annotations === undefined || f.annotations === null) t.skip('features has no annotations');
      t.assert(typeof f.annotations === 'object' && !Array.isArray(f.annotations), 'annotations is not an object');
      for (const [k, v] of Object.entries(f.annotations)) {
        t.assert(k !== '' && typeof v === 'string', `annotation ${JSON.stringify(k)} = ${JSON.stringify(v)} is not a non-empty key with a string value`);
      }
    },
  },
  {
    name: 'features/listed-hooks-run',
    reqs: ['features/featuresHooks/1'],
    async run(t) {
      const f = features(t);
      if (!Array.isArray(f.hooks)) t.skip('features lists no hooks');
      const script = t.hookScript(`${t.dir}/feat-hook.sh`);
      const log = `${t.dir}/hooklog`;
      const b = t.sleeper((c, bb) => {
        t.hookScript(`${bb.rootfs}/cf-hook`);
        c.hooks = {};
        for (const h of f.hooks) {
          const inCtr = h === 'startContainer';
          const path = inCtr ? '/cf-hook' : script;
          c.hooks[h] = [{ path, args: [path, inCtr ? '/cf-hooklog' : log, h] }];
        }
      });
      await t.createOk(b);
      await t.startOk(b.id);
      await t.killOk(b.id);
      await t.waitStatus(b.id, 'stopped');
      await t.deleteOk(b.id);
      const ran = [...t.hookOrder(log), ...t.hookOrder(`${b.rootfs}/cf-hooklog`)];
      const missing = f.hooks.filter((h: string) => !ran.includes(h));
      t.assert(!missing.length, `listed hooks that did not run: ${missing.join(', ')}`);
    },
  },
  {
    name: 'features/listed-mount-options-are-recognized',
    reqs: ['features/featuresMountOptions/1'],
    async run(t) {
      const f = features(t);
      if (!Array.isArray(f.mountOptions)) t.skip('features lists no mount options');
      const opts = f.mountOptions.filter((o: string) => !NOT_ON_TMPFS.has(o));
      let r;
      try {
        r = await t.check((c) => {
          opts.forEach((o: string, i: number) => c.mounts.push({ destination: `/mnt/f${i}`, type: 'tmpfs', source: 'cffeat', options: [o] }));
        });
      } catch (e) {
        // Name the option behind /mnt/fN in the runtime's message.
        const m = /\/mnt\/f(\d+)/.exec((e as Error).message);
        if (m) t.fail(`a tmpfs mount with the listed option "${opts[Number(m[1])]}" failed: ${(e as Error).message}`);
        throw e;
      }
      const missing = opts.filter((_o: string, i: number) => !mountAt(r.mounts, `/mnt/f${i}`));
      t.assert(!missing.length, `tmpfs mounts with these listed options are missing: ${missing.join(', ')}`);
    },
  },
  {
    name: 'features/mount-options-are-not-filesystem-specific',
    reqs: ['features/featuresMountOptions/2'],
    async run(t) {
      const f = features(t);
      if (!Array.isArray(f.mountOptions)) t.skip('features lists no mount options');
      const fsSpecific = f.mountOptions.filter((o: string) => o.includes('=') || ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'newinstance', 'ptmxmode'].includes(o));
      t.assert(!fsSpecific.length, `filesystem-specific options listed: ${fsSpecific.join(', ')}`);
    },
  },
  {
    name: 'features/listed-memory-policy-modes-and-flags-are-recognized',
    reqs: ['features-linux/linuxFeaturesMemoryPolicy/1', 'features-linux/linuxFeaturesMemoryPolicy/2'],
    async run(t) {
      const f = features(t);
      const mp = f.linux?.memoryPolicy;
      if (!mp || (!Array.isArray(mp.modes) && !Array.isArray(mp.flags))) t.skip('features lists no memory policy modes');
      if (!exists('/sys/devices/system/node/node0')) t.skip('the host has no NUMA node 0');
      const noNodes = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
      for (const mode of mp.modes || []) {
        const b = t.sleeper((c) => {
          c.linux.memoryPolicy = noNodes.has(mode) ? { mode } : { mode, nodes: '0' };
        });
        const inv = await t.create(b);
        if (inv.code !== 0) t.fail(`memoryPolicy mode ${mode} (a listed mode) was refused: ${inv.stderr.trim().slice(0, 200)}`);
      }
      for (const flag of mp.flags || []) {
        const b = t.sleeper((c) => {
          c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: [flag] };
        });
        const inv = await t.create(b);
        if (inv.code !== 0) t.fail(`memoryPolicy flag ${flag} (a listed flag) was refused: ${inv.stderr.trim().slice(0, 200)}`);
      }
    },
  },
  {
    name: 'features/listed-namespaces-are-recognized',
    reqs: ['features-linux/linuxFeaturesNamespaces/1'],
    async run(t) {
      const f = features(t);
      const list: string[] = f.linux?.namespaces;
      if (!Array.isArray(list)) t.skip('features lists no namespaces');
      const usable = list.filter((n) => n !== 'user' && (n !== 'time' || t.host.namespaces.has('time')));
      const r = await t.check((c) => {
        c.linux.namespaces = usable.map((type) => ({ type }));
        if (!usable.includes('uts')) delete c.hostname;
        if (!usable.includes('network')) c.mounts = c.mounts.filter((m: any) => m.type !== 'sysfs');
      });
      t.eq(r.uid, 0, 'the container with every listed namespace (but user) ran');
    },
  },
  {
    name: 'features/listed-capabilities-are-recognized',
    reqs: ['features-linux/linuxFeaturesCapabilities/1'],
    async run(t) {
      const f = features(t);
      const list: string[] = f.linux?.capabilities;
      if (!Array.isArray(list)) t.skip('features lists no capabilities');
      const grantable = list.filter((c) => t.host.caps.includes(c));
      const r = await t.check((c) => {
        c.process.capabilities = { bounding: grantable, effective: grantable, permitted: grantable };
      });
      const missing = grantable.filter((c) => !r.caps.bounding.includes(c));
      t.assert(!missing.length, `listed capabilities the container did not get: ${missing.join(', ')}`);
    },
  },
  {
    name: 'features/listed-seccomp-values-are-recognized',
    reqs: [
      'features-linux/linuxFeaturesSeccomp/1',
      'features-linux/linuxFeaturesSeccomp/2',
      'features-linux/linuxFeaturesSeccomp/3',
    ],
    async run(t) {
      const f = features(t);
      const s = f.linux?.seccomp;
      if (!s || s.enabled === false) t.skip('features says seccomp is not enabled');
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      // Every listed action (on a syscall nobody calls), operator and architecture in one filter.
      const actions: string[] = (s.actions || []).filter((a: string) => a !== 'SCMP_ACT_NOTIFY');
      const ops: string[] = s.operators || [];
      const syscalls: any[] = actions.map((action) => ({ names: ['acct'], action }));
      ops.forEach((op) => syscalls.push({ names: ['acct'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, valueTwo: 1, op }] }));
      // Architectures of the other byte order cannot share a filter with the native one.
      const bigEndian = /^SCMP_ARCH_(MIPS$|MIPS64$|MIPS64N32$|PPC$|PPC64$|S390|PARISC|M68K|SHEB)/;
      const archs = (s.archs || []).filter((a: string) => !bigEndian.test(a));
      const r = await t.check((c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: archs, syscalls };
      });
      t.eq(r.seccomp, 2, 'seccomp mode');
    },
  },
  {
    name: 'features/listed-seccomp-flags-are-supported',
    reqs: ['features-linux/linuxFeaturesSeccomp/4', 'features-linux/linuxFeaturesSeccomp/5'],
    async run(t) {
      const f = features(t);
      const s = f.linux?.seccomp;
      if (!s || s.enabled === false) t.skip('features says seccomp is not enabled');
      const flags: string[] = s.supportedFlags || s.knownFlags || [];
      if (!flags.length) t.skip('features lists no seccomp flags');
      for (const flag of flags) {
        const r = await t.check((c) => {
          c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: [flag], syscalls: [{ names: ['acct'], action: 'SCMP_ACT_ERRNO' }] };
        });
        t.eq(r.seccomp, 2, `seccomp mode with flag ${flag}`);
      }
    },
  },
  {
    name: 'features/idmap-enabled-means-mount-mappings-are-recognized',
    reqs: ['features-linux/linuxFeaturesMountExtensions/1'],
    async run(t) {
      const f = features(t);
      const e = f.linux?.mountExtensions?.idmap?.enabled;
      const how = await idmapProbe(t);
      if (how === 'applied') t.assert(e === true, `the runtime applies mount uidMappings/gidMappings but features says mountExtensions.idmap.enabled = ${JSON.stringify(e)}`);
      if (e === true) t.assert(how !== 'ignored', 'features claims idmap mounts but the runtime silently ignored the mount mappings');
      t.note(`idmap mount ${how}; mountExtensions.idmap.enabled = ${JSON.stringify(e)}`);
    },
  },
];
