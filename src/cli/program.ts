/**
 * The table of skiff's commands and flags: runc's names, aliases, defaults and
 * argument counts. Each command's implementation lives in src/cli/<name>.ts and is
 * loaded only when that command runs (but for state, kill, start and delete, which are in the entry
 * chunk), so `skiff state` loads nothing `create` needs.
 *
 * Options reach a command as `opts`, keyed by the camelCase flag name
 * (--pid-file -> opts.pidFile). Flags without a default are undefined when not given,
 * which is how a command tells "not set" from "set" (update, exec --no-new-privs).
 */
import { path } from '../sys/lazy-builtins';
import type { FlagSpec } from './argv';
import type { GlobalOptions } from './context';
// The commands clients call most, in the entry chunk: under bun even a chunk of a few hundred
// bytes, loaded on demand, costs a measurable part of a millisecond.
import * as deleteCommand from './delete';
import * as killCommand from './kill';
import * as startCommand from './start';
import * as stateCommand from './state';

/** create, run and exec, from one chunk (setup-commands.ts). */
function setupCommand(name: 'create' | 'run' | 'exec'): () => Promise<CommandModule> {
  return () => import('./setup-commands').then((m) => m[name]);
}

/** What every src/cli/<name>.ts exports. */
export interface CommandModule {
  run(g: GlobalOptions, args: string[], opts: Record<string, any>): Promise<number>;
}

export interface ArgCount {
  exact?: number;
  min?: number;
  max?: number;
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** Positional arguments as shown in usage, e.g. '<container-id>'. */
  argsUsage: string;
  /** Longer help text. */
  description?: string;
  args: ArgCount;
  flags: FlagSpec[];
  /**
   * Flags may also follow the positional arguments (`delete c1 -f`). False for exec
   * and ps, where everything after the container id belongs to the command run.
   */
  flagsAnywhere: boolean;
  /** Lazily loads the implementation; absent for commands skiff does not support. */
  load?: () => Promise<CommandModule>;
  /** Prefix for failure messages, as runc's "runc create failed: ". */
  errorPrefix?: string;
  /** Exit code on failure when the error does not carry one (exec: 255, as runc). */
  errorExitCode?: number;
  /** Normalise arguments and options after parsing (absolute paths, defaults). */
  finalize?: (args: string[], opts: Record<string, any>) => void;
}

// ---- Global flags ------------------------------------------------------------

export const HELP_FLAG: FlagSpec = { name: 'help', alias: 'h', kind: 'bool', usage: 'show help' };

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'debug', kind: 'bool', default: false, usage: 'enable debug logging' },
  { name: 'log', kind: 'string', usage: "set the log file to write skiff logs to (default is '/dev/stderr')" },
  { name: 'log-format', kind: 'string', default: 'text', usage: "set the log format ('text' (default), or 'json')" },
  // No default here so an explicit --root can be told apart; context.ts supplies it.
  { name: 'root', kind: 'string', usage: 'root directory for storage of container state (this should be located in tmpfs)' },
  { name: 'criu', kind: 'string', usage: 'path to the criu binary (accepted for compatibility; unused)', hidden: true },
  { name: 'systemd-cgroup', kind: 'bool', default: false, usage: 'enable systemd cgroup support (cgroupsPath of the form "slice:prefix:name")' },
  { name: 'rootless', kind: 'string', default: 'auto', usage: "ignore cgroup permission errors ('true', 'false', or 'auto')" },
  HELP_FLAG,
  { name: 'version', alias: 'v', kind: 'bool', usage: 'print the version' },
];

// ---- Flags shared by several commands ------------------------------------------

const bundleFlag: FlagSpec = {
  name: 'bundle', alias: 'b', kind: 'string',
  usage: 'path to the root of the bundle directory, defaults to the current directory',
};
const consoleSocketFlag: FlagSpec = {
  name: 'console-socket', kind: 'string',
  usage: "path to an AF_UNIX socket that will receive the file descriptor of the console's pseudoterminal master",
};
const pidfdSocketFlag: FlagSpec = {
  name: 'pidfd-socket', kind: 'string',
  usage: 'path to an AF_UNIX socket that will receive a pidfd of the container process',
};
const pidFileFlag: FlagSpec = { name: 'pid-file', kind: 'string', usage: 'write the process id to this file' };
const noPivotFlag: FlagSpec = {
  name: 'no-pivot', kind: 'bool', default: false,
  usage: 'do not use pivot_root to enter the rootfs (needed when the rootfs is on a ramdisk)',
};
const noNewKeyringFlag: FlagSpec = {
  name: 'no-new-keyring', kind: 'bool', default: false,
  usage: "do not create a new session keyring; the container inherits the caller's",
};
const preserveFdsFlag: FlagSpec = {
  name: 'preserve-fds', kind: 'int', default: 0,
  usage: 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)',
};
const detachFlag: FlagSpec = { name: 'detach', alias: 'd', kind: 'bool', default: false, usage: "detach from the container's process" };
const noSubreaperFlag: FlagSpec = {
  name: 'no-subreaper', kind: 'bool', default: false, usage: 'do not act as subreaper for reparented processes',
};
const formatFlag: FlagSpec = { name: 'format', alias: 'f', kind: 'string', default: 'table', usage: 'select one of: table or json' };

const createFlags: FlagSpec[] = [
  bundleFlag, consoleSocketFlag, pidfdSocketFlag, pidFileFlag, noPivotFlag, noNewKeyringFlag, preserveFdsFlag,
];

const runFlags: FlagSpec[] = [
  bundleFlag, consoleSocketFlag, pidfdSocketFlag, detachFlag,
  { name: 'keep', kind: 'bool', default: false, usage: 'do not delete the container after it exits' },
  pidFileFlag, noSubreaperFlag, noPivotFlag, noNewKeyringFlag, preserveFdsFlag,
];

const execFlags: FlagSpec[] = [
  consoleSocketFlag,
  pidfdSocketFlag,
  { name: 'cwd', kind: 'string', usage: 'current working directory in the container' },
  { name: 'env', alias: 'e', kind: 'stringSlice', default: [], usage: 'set an environment variable (repeatable)' },
  { name: 'tty', alias: 't', kind: 'bool', default: false, usage: 'allocate a pseudo-TTY' },
  { name: 'user', alias: 'u', kind: 'string', usage: 'UID (format: <uid>[:<gid>])' },
  { name: 'additional-gids', alias: 'g', kind: 'intSlice', default: [], usage: 'additional gid (repeatable)' },
  { name: 'process', alias: 'p', kind: 'string', usage: 'path to the process.json' },
  detachFlag,
  pidFileFlag,
  { name: 'process-label', kind: 'string', usage: 'set the SELinux label of the process' },
  { name: 'apparmor', kind: 'string', usage: 'set the AppArmor profile of the process' },
  // No default: unset keeps the value from config.json, --no-new-privs=false clears it.
  { name: 'no-new-privs', kind: 'bool', usage: 'set no_new_privs for the process' },
  { name: 'cap', alias: 'c', kind: 'stringSlice', default: [], usage: 'add a capability to the bounding set of the process (repeatable)' },
  preserveFdsFlag,
  { name: 'cgroup', kind: 'stringSlice', default: [], usage: 'run the process in an existing sub-cgroup; format is [<controller>:]<cgroup> (repeatable)' },
  { name: 'ignore-paused', kind: 'bool', default: false, usage: 'allow exec in a paused container' },
];

const updateFlags: FlagSpec[] = [
  {
    name: 'resources', alias: 'r', kind: 'string',
    usage: "path to a JSON file with the resources to update (linux.resources format), or '-' for standard input; when given, the other options are ignored",
  },
  { name: 'blkio-weight', kind: 'int', usage: 'per-cgroup block IO weight, from 10 to 1000' },
  { name: 'cpu-period', kind: 'string', usage: 'CPU CFS period in microseconds (0 for the system default)' },
  { name: 'cpu-quota', kind: 'string', usage: 'CPU CFS quota in microseconds per period' },
  { name: 'cpu-burst', kind: 'string', usage: 'CPU CFS burst in microseconds per period' },
  { name: 'cpu-share', kind: 'string', usage: 'CPU shares (relative weight against other containers)' },
  { name: 'cpu-rt-period', kind: 'string', usage: 'CPU realtime period in microseconds (0 for the system default)' },
  { name: 'cpu-rt-runtime', kind: 'string', usage: 'CPU realtime runtime in microseconds per period' },
  { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs to use' },
  { name: 'cpuset-mems', kind: 'string', usage: 'memory nodes to use' },
  { name: 'kernel-memory', kind: 'string', usage: '(obsolete; ignored)', hidden: true },
  { name: 'kernel-memory-tcp', kind: 'string', usage: '(obsolete; ignored)', hidden: true },
  { name: 'memory', kind: 'string', usage: 'memory limit in bytes' },
  { name: 'cpu-idle', kind: 'string', usage: 'SCHED_IDLE for the cgroup: 0 (default behaviour) or 1' },
  { name: 'memory-reservation', kind: 'string', usage: 'memory reservation (soft limit) in bytes' },
  { name: 'memory-swap', kind: 'string', usage: "total memory plus swap limit in bytes; '-1' for unlimited swap" },
  { name: 'pids-limit', kind: 'int', usage: 'maximum number of pids in the container' },
  { name: 'l3-cache-schema', kind: 'string', usage: 'Intel RDT/CAT L3 cache schema' },
  { name: 'mem-bw-schema', kind: 'string', usage: 'Intel RDT/MBA memory bandwidth schema' },
];

// Accepted so that a checkpoint/restore command line reaches the "not supported" error.
const checkpointFlags: FlagSpec[] = [
  { name: 'image-path', kind: 'string', usage: 'path for the CRIU image files' },
  { name: 'work-path', kind: 'string', usage: 'path for CRIU work files and logs' },
  { name: 'parent-path', kind: 'string', usage: 'path of the previous CRIU image files (pre-dump)' },
  { name: 'leave-running', kind: 'bool', default: false, usage: 'leave the process running after checkpointing' },
  { name: 'tcp-established', kind: 'bool', default: false, usage: 'allow open TCP connections' },
  { name: 'tcp-skip-in-flight', kind: 'bool', default: false, usage: 'skip in-flight TCP connections' },
  { name: 'link-remap', kind: 'bool', default: false, usage: 'allow linking unlinked files back' },
  { name: 'ext-unix-sk', kind: 'bool', default: false, usage: 'allow external unix sockets' },
  { name: 'shell-job', kind: 'bool', default: false, usage: 'allow shell jobs' },
  { name: 'lazy-pages', kind: 'bool', default: false, usage: 'use userfaultfd to lazily restore memory pages' },
  { name: 'status-fd', kind: 'int', default: -1, usage: 'descriptor CRIU writes \\0 to once lazy-pages is ready' },
  { name: 'page-server', kind: 'string', usage: 'ADDRESS:PORT of the page server' },
  { name: 'file-locks', kind: 'bool', default: false, usage: 'handle file locks' },
  { name: 'pre-dump', kind: 'bool', default: false, usage: "dump the container's memory only, leaving it running" },
  { name: 'manage-cgroups-mode', kind: 'string', usage: 'cgroups mode: soft|full|strict|ignore' },
  { name: 'empty-ns', kind: 'stringSlice', default: [], usage: "create a namespace but don't restore its properties" },
  { name: 'auto-dedup', kind: 'bool', default: false, usage: 'enable auto deduplication of memory images' },
];

const restoreFlags: FlagSpec[] = [
  consoleSocketFlag,
  { name: 'image-path', kind: 'string', usage: 'path to the CRIU image files' },
  { name: 'work-path', kind: 'string', usage: 'path for CRIU work files and logs' },
  { name: 'tcp-established', kind: 'bool', default: false, usage: 'allow open TCP connections' },
  { name: 'ext-unix-sk', kind: 'bool', default: false, usage: 'allow external unix sockets' },
  { name: 'shell-job', kind: 'bool', default: false, usage: 'allow shell jobs' },
  { name: 'file-locks', kind: 'bool', default: false, usage: 'handle file locks' },
  { name: 'manage-cgroups-mode', kind: 'string', usage: 'cgroups mode: soft|full|strict|ignore' },
  { ...bundleFlag, usage: 'path to the root of the bundle directory' },
  detachFlag,
  pidFileFlag,
  noSubreaperFlag,
  noPivotFlag,
  { name: 'empty-ns', kind: 'stringSlice', default: [], usage: "create a namespace but don't restore its properties" },
  { name: 'auto-dedup', kind: 'bool', default: false, usage: 'enable auto deduplication of memory images' },
  { name: 'lazy-pages', kind: 'bool', default: false, usage: 'use userfaultfd to lazily restore memory pages' },
  { name: 'lsm-profile', kind: 'string', usage: 'LSM profile to set during restore' },
  { name: 'lsm-mount-context', kind: 'string', usage: 'LSM mount context to set during restore' },
];

// ---- Normalisation after parsing --------------------------------------------------

/** The bundle as an absolute path (the current directory by default) and an absolute pid file. */
function absolutePaths(_args: string[], opts: Record<string, any>): void {
  opts.bundle = path.resolve(opts.bundle || '.');
  if (opts.pidFile) opts.pidFile = path.resolve(opts.pidFile);
}

function absolutePidFile(_args: string[], opts: Record<string, any>): void {
  if (opts.pidFile) opts.pidFile = path.resolve(opts.pidFile);
}

/** `kill ID` means `kill ID SIGTERM`. */
function defaultSignal(args: string[]): void {
  if (args.length === 1) args.push('SIGTERM');
}

// ---- The commands, in the order `skiff --help` lists them -------------------------------

const CONTAINER_ID = '<container-id>';

export const COMMANDS: CommandSpec[] = [
  {
    name: 'checkpoint',
    summary: 'checkpoint a running container (not supported by skiff)',
    argsUsage: CONTAINER_ID,
    description: 'Checkpointing needs CRIU, which skiff does not integrate; this command always fails.',
    args: { exact: 1 },
    flags: checkpointFlags,
    flagsAnywhere: true,
  },
  {
    name: 'create',
    summary: 'create a container',
    argsUsage: CONTAINER_ID,
    description:
      'Creates a container from the bundle: a directory holding config.json and a root filesystem.\n' +
      'The container process is set up and waits; "skiff start" runs the program given by\n' +
      'process.args in config.json. The container id must be unique under --root.',
    args: { exact: 1 },
    flags: createFlags,
    flagsAnywhere: true,
    load: setupCommand('create'),
    errorPrefix: 'skiff create failed: ',
    finalize: absolutePaths,
  },
  {
    name: 'delete',
    summary: 'delete a container and release the resources it holds',
    argsUsage: CONTAINER_ID,
    description: 'Deletes a stopped container. With --force, a running container is killed (SIGKILL) first.',
    args: { exact: 1 },
    flags: [{ name: 'force', alias: 'f', kind: 'bool', default: false, usage: 'kill the container with SIGKILL if it is still running, then delete it' }],
    flagsAnywhere: true,
    load: async () => deleteCommand,
  },
  {
    name: 'events',
    summary: 'display container events and resource usage statistics',
    argsUsage: CONTAINER_ID,
    description: 'Prints events (such as OOM notifications) and statistics as JSON, every --interval.',
    args: { exact: 1 },
    flags: [
      { name: 'interval', kind: 'duration', default: 5000, usage: 'set the stats collection interval (opts.interval is in milliseconds)' },
      { name: 'stats', kind: 'bool', default: false, usage: "display the container's stats then exit" },
    ],
    flagsAnywhere: true,
    load: () => import('./setup-commands').then((m) => m.events),
  },
  {
    name: 'exec',
    summary: 'execute a new process inside the container',
    argsUsage: `${CONTAINER_ID} <command> [command options]  || -p process.json ${CONTAINER_ID}`,
    description:
      'Runs <command> inside the container. Options of exec must come before the container id;\n' +
      'everything after the container id belongs to <command>. Example:\n\n' +
      '       # skiff exec -t mycontainer ls -l /',
    args: { min: 1 },
    flags: execFlags,
    flagsAnywhere: false,
    load: setupCommand('exec'),
    errorPrefix: 'exec failed: ',
    errorExitCode: 255,
    finalize: absolutePidFile,
  },
  {
    name: 'kill',
    summary: "send a signal (default: SIGTERM) to the container's init process",
    argsUsage: `${CONTAINER_ID} [signal]`,
    description: 'The signal is a name (KILL, SIGKILL) or a number (9). Example:\n\n       # skiff kill mycontainer KILL',
    args: { min: 1, max: 2 },
    flags: [{ name: 'all', alias: 'a', kind: 'bool', default: false, usage: 'send the signal to all processes in the container' }],
    flagsAnywhere: true,
    load: async () => killCommand,
    finalize: defaultSignal,
  },
  {
    name: 'list',
    summary: 'list the containers under the given root',
    argsUsage: '',
    description: 'Lists the containers whose state is kept under the global --root directory.',
    args: { exact: 0 },
    flags: [formatFlag, { name: 'quiet', alias: 'q', kind: 'bool', default: false, usage: 'display only container IDs' }],
    flagsAnywhere: true,
    load: () => import('./list'),
  },
  {
    name: 'pause',
    summary: 'suspend all processes inside the container',
    argsUsage: CONTAINER_ID,
    description: 'Freezes every process of the container (cgroup freezer).',
    args: { exact: 1 },
    flags: [],
    flagsAnywhere: true,
    load: () => import('./pause'),
  },
  {
    name: 'ps',
    summary: 'display the processes running inside a container',
    argsUsage: `${CONTAINER_ID} [ps options]`,
    description: 'Arguments after the container id are passed to ps(1) (default: -ef).',
    args: { min: 1 },
    flags: [formatFlag],
    flagsAnywhere: false,
    load: () => import('./ps'),
  },
  {
    name: 'restore',
    summary: 'restore a container from a checkpoint (not supported by skiff)',
    argsUsage: CONTAINER_ID,
    description: 'Restoring needs CRIU, which skiff does not integrate; this command always fails.',
    args: { exact: 1 },
    flags: restoreFlags,
    flagsAnywhere: true,
  },
  {
    name: 'resume',
    summary: 'resume all processes of a paused container',
    argsUsage: CONTAINER_ID,
    description: 'Thaws the processes that "skiff pause" froze.',
    args: { exact: 1 },
    flags: [],
    flagsAnywhere: true,
    load: () => import('./resume'),
  },
  {
    name: 'run',
    summary: 'create and start a container',
    argsUsage: CONTAINER_ID,
    description:
      'Creates a container from the bundle (as "skiff create") and starts it. Without --detach,\n' +
      'skiff waits for the container process and exits with its exit status.',
    args: { exact: 1 },
    flags: runFlags,
    flagsAnywhere: true,
    load: setupCommand('run'),
    errorPrefix: 'skiff run failed: ',
    finalize: absolutePaths,
  },
  {
    name: 'spec',
    summary: 'create a new specification file',
    argsUsage: '',
    description:
      'Writes a starter config.json into the bundle directory (refusing to overwrite one).\n' +
      'Edit process.args to choose the program; --rootless gives a configuration for an\n' +
      'unprivileged user (user namespace mapped to the current user, no network namespace).',
    args: { exact: 0 },
    flags: [
      { ...bundleFlag, usage: 'path to the root of the bundle directory' },
      { name: 'rootless', kind: 'bool', default: false, usage: 'generate a configuration for a rootless container' },
    ],
    flagsAnywhere: true,
    load: () => import('./spec'),
  },
  {
    name: 'start',
    summary: 'start the user-defined process of a created container',
    argsUsage: CONTAINER_ID,
    description: 'Runs process.args of a container made by "skiff create".',
    args: { exact: 1 },
    flags: [],
    flagsAnywhere: true,
    load: async () => startCommand,
  },
  {
    name: 'state',
    summary: 'output the state of a container',
    argsUsage: CONTAINER_ID,
    description: 'Prints the state of the container as JSON.',
    args: { exact: 1 },
    flags: [],
    flagsAnywhere: true,
    load: async () => stateCommand,
  },
  {
    name: 'update',
    summary: 'update container resource constraints',
    argsUsage: CONTAINER_ID,
    description: 'Changes the cgroup limits of a running container; only the given options change.',
    args: { exact: 1 },
    flags: updateFlags,
    flagsAnywhere: true,
    load: () => import('./setup-commands').then((m) => m.update),
  },
  {
    name: 'features',
    summary: 'show the enabled features',
    argsUsage: '',
    description: 'Prints the features structure of the OCI runtime specification (features.md) as JSON.',
    args: { exact: 0 },
    flags: [],
    flagsAnywhere: true,
    load: () => import('./features'),
  },
];

/** The command called `name` (or one of its aliases). */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

/** Names accepted for the built-in help command. */
export const HELP_COMMAND_NAMES = ['help', 'h'];

// ---- Option types the command modules receive -------------------------------------------

export interface CreateOptions {
  bundle: string;
  consoleSocket?: string;
  pidfdSocket?: string;
  pidFile?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
}

export interface RunOptions extends CreateOptions {
  detach: boolean;
  keep: boolean;
  noSubreaper: boolean;
}

export interface ExecOptions {
  consoleSocket?: string;
  pidfdSocket?: string;
  cwd?: string;
  env: string[];
  tty: boolean;
  user?: string;
  additionalGids: number[];
  process?: string;
  detach: boolean;
  pidFile?: string;
  processLabel?: string;
  apparmor?: string;
  noNewPrivs?: boolean;
  cap: string[];
  preserveFds: number;
  cgroup: string[];
  ignorePaused: boolean;
}

export interface KillOptions { all: boolean }
export interface DeleteOptions { force: boolean }
export interface ListOptions { format: string; quiet: boolean }
export interface PsOptions { format: string }
export interface EventsOptions { interval: number /* milliseconds */; stats: boolean }
export interface SpecOptions { bundle?: string; rootless: boolean }

export interface UpdateOptions {
  resources?: string;
  blkioWeight?: number;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuBurst?: string;
  cpuShare?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  kernelMemory?: string;
  kernelMemoryTcp?: string;
  memory?: string;
  cpuIdle?: string;
  memoryReservation?: string;
  memorySwap?: string;
  pidsLimit?: number;
  l3CacheSchema?: string;
  memBwSchema?: string;
}
