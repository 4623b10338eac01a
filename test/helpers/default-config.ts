/**
 * The config.json every test bundle starts from: a small, runc-compatible
 * container (comparable to what `runc spec` prints) with a non-terminal
 * process so tests can capture its output. Tests change what they need via
 * makeBundle({ configure: (config) => { ... } }).
 *
 * The types are deliberately loose (only what tests touch is spelled out) so a
 * test can also write fields a runtime should reject.
 */

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  [key: string]: unknown;
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface OciProcess {
  terminal?: boolean;
  user: OciUser;
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  [key: string]: unknown;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  [key: string]: unknown;
}

export interface OciNamespace {
  type: string;
  path?: string;
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface OciLinux {
  namespaces?: OciNamespace[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  cgroupsPath?: string;
  resources?: Record<string, unknown> & { devices?: Array<Record<string, unknown>> };
  maskedPaths?: string[];
  readonlyPaths?: string[];
  [key: string]: unknown;
}

export interface OciConfig {
  ociVersion: string;
  process?: OciProcess;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: OciMount[];
  hooks?: Record<string, OciHook[]>;
  annotations?: Record<string, string>;
  linux?: OciLinux;
  [key: string]: unknown;
}

/** Any 1.x runtime must accept a bundle written for an older 1.x spec. */
export const DEFAULT_OCI_VERSION = '1.0.2';

/** Same minimal set runc's template grants; tests needing more add them. */
export const DEFAULT_CAPABILITIES = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** The broader set container engines usually grant, for tests that chown, setuid and the like. */
export const ENGINE_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Kernel interfaces that leak host information or allow harm; hidden in the container. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi',
  '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Visible but not writable. */
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Bounding, effective and permitted (what containerd and `skiff spec` write).
 * `runc spec` also lists the same set as ambient without inheritable, which
 * the kernel cannot grant; process.test.ts checks that case on its own.
 */
function capabilitySet(caps: string[]): OciCapabilities {
  return { bounding: [...caps], effective: [...caps], permitted: [...caps] };
}

function defaultMounts(): OciMount[] {
  // Flags shared by the pseudo filesystems that never need devices, setuid or exec.
  const locked = ['nosuid', 'noexec', 'nodev'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: [...locked, 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: [...locked] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: [...locked, 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...locked, 'relatime', 'ro'] },
  ];
}

/** A fresh copy each call, so tests may mutate it freely. */
export function defaultConfig(): OciConfig {
  return {
    ociVersion: DEFAULT_OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: [DEFAULT_PATH_ENV, 'HOME=/root'],
      cwd: '/',
      capabilities: capabilitySet(DEFAULT_CAPABILITIES),
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'skiff-test',
    mounts: defaultMounts(),
    linux: {
      // Deny every device node access by default; the runtime adds the standard ones.
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type })),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
}

/** Capability helper for tests: the same list in every set that the config uses. */
export function withCapabilities(config: OciConfig, caps: string[]): void {
  if (!config.process) throw new Error('config has no process');
  config.process.capabilities = capabilitySet(caps);
}

/** Appends a bind mount of a host path (rbind unless `options` says otherwise). */
export function addBindMount(config: OciConfig, source: string, destination: string, options: string[] = ['rbind', 'rw']): void {
  config.mounts = [...(config.mounts ?? []), { destination, type: 'bind', source, options }];
}

/** Replaces the namespace list's entry of `type` (or adds it); `path` joins an existing namespace. */
export function setNamespace(config: OciConfig, type: string, nsPath?: string): void {
  const linux = (config.linux ??= {});
  const list = (linux.namespaces ?? []).filter((ns) => ns.type !== type);
  list.push(nsPath === undefined ? { type } : { type, path: nsPath });
  linux.namespaces = list;
}

export function removeNamespace(config: OciConfig, type: string): void {
  if (config.linux?.namespaces) config.linux.namespaces = config.linux.namespaces.filter((ns) => ns.type !== type);
}

/** The process args as `sh -c <script>`. */
export function shell(config: OciConfig, script: string): void {
  config.process!.args = ['sh', '-c', script];
}
