/**
 * Rules from the runtime-spec text that JSON Schema cannot express (uniqueness, cross-field rules,
 * absolute paths) plus kernel limits that would otherwise surface later as a bare EINVAL.
 * Each check returns the first problem it finds; the document is assumed to have passed the schema.
 */
import type {
  Hooks,
  Linux,
  LinuxMemoryPolicy,
  LinuxResources,
  LinuxSeccomp,
  Mount,
  Process,
  Scheduler,
  Spec,
} from './generated/types';
import { fieldIndex, fieldKey } from './field-path';
import type { FieldProblem } from './schema-error-message';

type Problem = FieldProblem | undefined;

/** First semantic problem in a whole config.json, or undefined. */
export function findConfigProblem(spec: Spec): Problem {
  return (
    (spec.process && findProcessProblem(spec.process, 'process')) ||
    checkMounts(spec.mounts ?? [], spec.linux) ||
    (spec.hooks && checkHooks(spec.hooks)) ||
    checkAnnotationKeys(spec.annotations) ||
    (spec.linux && checkLinux(spec.linux)) ||
    undefined
  );
}

/** First semantic problem in a process object (config.json's `process`, or exec's process.json). */
export function findProcessProblem(process: Process, at: string): Problem {
  if (!isAbsolute(process.cwd)) return { field: fieldKey(at, 'cwd'), problem: 'must be an absolute path' };
  return (
    checkRlimits(process, at) ||
    (process.scheduler && checkScheduler(process.scheduler, fieldKey(at, 'scheduler'))) ||
    checkCpuAffinity(process, at) ||
    undefined
  );
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

function duplicateOf<T>(values: T[]): { index: number; value: T } | undefined {
  const seen = new Set<T>();
  for (const [index, value] of values.entries()) {
    if (seen.has(value)) return { index, value };
    seen.add(value);
  }
  return undefined;
}

function checkRlimits(process: Process, at: string): Problem {
  const rlimits = process.rlimits ?? [];
  const field = fieldKey(at, 'rlimits');
  const dup = duplicateOf(rlimits.map((r) => r.type));
  if (dup) return { field, problem: `duplicate rlimit type ${JSON.stringify(dup.value)}` };
  for (const [i, rlimit] of rlimits.entries()) {
    if (rlimit.soft > rlimit.hard) {
      return { field: fieldIndex(field, i), problem: `soft limit ${rlimit.soft} exceeds hard limit ${rlimit.hard}` };
    }
  }
  return undefined;
}

const REALTIME_POLICIES = new Set(['SCHED_FIFO', 'SCHED_RR']);

/** Mirrors sched_setattr(2): nice is -20..19, static priority is only for FIFO/RR, deadline knobs only for DEADLINE. */
function checkScheduler(scheduler: Scheduler, at: string): Problem {
  const { policy, nice, priority } = scheduler;
  if (nice !== undefined && (nice < -20 || nice > 19)) {
    return { field: fieldKey(at, 'nice'), problem: 'must be between -20 and 19' };
  }
  if (priority !== undefined && priority !== 0) {
    if (!REALTIME_POLICIES.has(policy)) {
      return { field: fieldKey(at, 'priority'), problem: `can only be set for SCHED_FIFO or SCHED_RR, not ${policy}` };
    }
    if (priority < 1 || priority > 99) {
      return { field: fieldKey(at, 'priority'), problem: `must be between 1 and 99 for ${policy}` };
    }
  }
  if (policy !== 'SCHED_DEADLINE') {
    for (const knob of ['runtime', 'deadline', 'period'] as const) {
      if (scheduler[knob]) return { field: fieldKey(at, knob), problem: `can only be set for SCHED_DEADLINE, not ${policy}` };
    }
  }
  return undefined;
}

function checkCpuAffinity(process: Process, at: string): Problem {
  const affinity = process.execCPUAffinity;
  if (!affinity) return undefined;
  for (const which of ['initial', 'final'] as const) {
    const list = affinity[which];
    if (list && !rangesAscend(list)) {
      return { field: fieldKey(fieldKey(at, 'execCPUAffinity'), which), problem: `range in "${list}" ends before it starts` };
    }
  }
  return undefined;
}

/** True when every "a-b" in a schema-valid list has a <= b. */
function rangesAscend(list: string): boolean {
  return list.split(',').every((part) => {
    const [low, high] = part.split('-').map(Number);
    return high === undefined || low <= high;
  });
}

function hasUserNamespace(linux: Linux | undefined): boolean {
  return (linux?.namespaces ?? []).some((ns) => ns.type === 'user');
}

function checkMounts(mounts: Mount[], linux: Linux | undefined): Problem {
  for (const [i, mount] of mounts.entries()) {
    const at = fieldIndex('mounts', i);
    const hasUid = mount.uidMappings !== undefined;
    const hasGid = mount.gidMappings !== undefined;
    if (hasUid !== hasGid) {
      return { field: fieldKey(at, hasUid ? 'uidMappings' : 'gidMappings'), problem: `must be specified together with ${hasUid ? 'gidMappings' : 'uidMappings'}` };
    }
    const idmapOption = (mount.options ?? []).find((o) => o === 'idmap' || o === 'ridmap');
    if (idmapOption && !hasUid && !hasUserNamespace(linux)) {
      return {
        field: fieldKey(at, 'options'),
        problem: `"${idmapOption}" needs uidMappings/gidMappings on the mount or a user namespace for the container`,
      };
    }
  }
  return undefined;
}

function checkHooks(hooks: Hooks): Problem {
  for (const stage of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const) {
    for (const [i, hook] of (hooks[stage] ?? []).entries()) {
      const at = fieldIndex(fieldKey('hooks', stage), i);
      if (!isAbsolute(hook.path)) return { field: fieldKey(at, 'path'), problem: 'must be an absolute path' };
      // The schema already enforces this; kept so that the rule sits next to its siblings if the schema loosens.
      if (hook.timeout !== undefined && hook.timeout <= 0) return { field: fieldKey(at, 'timeout'), problem: 'must be greater than zero' };
    }
  }
  return undefined;
}

function checkAnnotationKeys(annotations: Record<string, unknown> | undefined): Problem {
  if (annotations && Object.prototype.hasOwnProperty.call(annotations, '')) {
    return { field: 'annotations', problem: 'keys must not be empty' };
  }
  return undefined;
}

function checkLinux(linux: Linux): Problem {
  return (
    checkNamespaces(linux) ||
    checkTimeOffsets(linux) ||
    checkDevices(linux) ||
    checkNetDevices(linux) ||
    (linux.resources && checkResources(linux.resources)) ||
    checkIntelRdt(linux) ||
    (linux.memoryPolicy && checkMemoryPolicy(linux.memoryPolicy)) ||
    (linux.seccomp && checkSeccomp(linux.seccomp)) ||
    checkAbsoluteList(linux.maskedPaths, 'linux.maskedPaths') ||
    checkAbsoluteList(linux.readonlyPaths, 'linux.readonlyPaths') ||
    checkPersonality(linux) ||
    undefined
  );
}

function checkNamespaces(linux: Linux): Problem {
  const namespaces = linux.namespaces ?? [];
  const dup = duplicateOf(namespaces.map((ns) => ns.type));
  if (dup) return { field: 'linux.namespaces', problem: `duplicate namespace type ${JSON.stringify(dup.value)}` };
  for (const [i, ns] of namespaces.entries()) {
    if (ns.path !== undefined && !isAbsolute(ns.path)) {
      return { field: `${fieldIndex('linux.namespaces', i)}.path`, problem: 'must be an absolute path' };
    }
  }
  return undefined;
}

const OFFSETTABLE_CLOCKS = new Set(['monotonic', 'boottime']);

function checkTimeOffsets(linux: Linux): Problem {
  for (const [clock, offset] of Object.entries(linux.timeOffsets ?? {})) {
    const at = fieldKey('linux.timeOffsets', clock);
    if (!OFFSETTABLE_CLOCKS.has(clock)) return { field: at, problem: 'unknown clock (only monotonic and boottime can be offset)' };
    if (offset && offset.nanosecs !== undefined && offset.nanosecs >= 1e9) {
      return { field: fieldKey(at, 'nanosecs'), problem: 'must be less than 1000000000' };
    }
  }
  return undefined;
}

function checkDevices(linux: Linux): Problem {
  for (const [i, device] of (linux.devices ?? []).entries()) {
    const at = fieldIndex('linux.devices', i);
    if (!isAbsolute(device.path)) return { field: fieldKey(at, 'path'), problem: 'must be an absolute path' };
    if (device.type !== 'p') {
      for (const number of ['major', 'minor'] as const) {
        if (device[number] === undefined) return { field: fieldKey(at, number), problem: `required unless type is "p"` };
      }
    }
  }
  return undefined;
}

/** dev_valid_name() in the kernel: 1-15 bytes, not "." or "..", no '/', ':' or whitespace. */
function invalidInterfaceName(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (Buffer.byteLength(name) > 15) return 'must be at most 15 bytes long';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (/[/:\s]/.test(name)) return 'must not contain "/", ":" or whitespace';
  return undefined;
}

function checkNetDevices(linux: Linux): Problem {
  for (const [hostName, device] of Object.entries(linux.netDevices ?? {})) {
    const at = fieldKey('linux.netDevices', hostName);
    const keyProblem = invalidInterfaceName(hostName);
    if (keyProblem) return { field: at, problem: `interface name ${keyProblem}` };
    const renameProblem = device?.name !== undefined ? invalidInterfaceName(device.name) : undefined;
    if (renameProblem) return { field: fieldKey(at, 'name'), problem: renameProblem };
  }
  return undefined;
}

/** 2^64 - 1 rounds to 2^64 as a double; runc treats that value as "swappiness unset". */
const UINT64_MAX_AS_DOUBLE = 2 ** 64;

function checkResources(resources: LinuxResources): Problem {
  const at = 'linux.resources';
  const cpu = resources.cpu;
  if (cpu && cpu.quota !== undefined && cpu.quota > 0 && cpu.burst !== undefined && cpu.burst > cpu.quota) {
    return { field: `${at}.cpu.burst`, problem: `must not be larger than quota (${cpu.quota})` };
  }
  const swappiness = resources.memory?.swappiness;
  if (swappiness !== undefined && swappiness > 100 && swappiness !== UINT64_MAX_AS_DOUBLE) {
    return { field: `${at}.memory.swappiness`, problem: 'must be between 0 and 100' };
  }
  for (const [i, entry] of (resources.blockIO?.weightDevice ?? []).entries()) {
    if (entry.weight === undefined && entry.leafWeight === undefined) {
      return { field: fieldIndex(`${at}.blockIO.weightDevice`, i), problem: 'must set weight or leafWeight (or both)' };
    }
  }
  for (const [device, limits] of Object.entries(resources.rdma ?? {})) {
    if (limits && limits.hcaHandles === undefined && limits.hcaObjects === undefined) {
      return { field: fieldKey(`${at}.rdma`, device), problem: 'must set hcaHandles or hcaObjects (or both)' };
    }
  }
  return undefined;
}

function checkIntelRdt(linux: Linux): Problem {
  const closID = linux.intelRdt?.closID;
  // closID names a directory under the resctrl mount; "/" is the documented special case for the root.
  if (closID !== undefined && closID !== '/' && (closID === '' || closID === '.' || closID === '..' || closID.includes('/'))) {
    return { field: 'linux.intelRdt.closID', problem: 'must be "/" or a single directory name' };
  }
  return undefined;
}

const MODES_WITHOUT_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const MODES_NEEDING_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY']);

/** set_mempolicy(2) rejects these combinations with EINVAL. */
function checkMemoryPolicy(policy: LinuxMemoryPolicy): Problem {
  const at = 'linux.memoryPolicy';
  const hasNodes = (policy.nodes ?? '') !== '';
  if (MODES_WITHOUT_NODES.has(policy.mode) && hasNodes) return { field: `${at}.nodes`, problem: `must be empty for ${policy.mode}` };
  if (MODES_NEEDING_NODES.has(policy.mode) && !hasNodes) return { field: `${at}.nodes`, problem: `required for ${policy.mode}` };
  const flags = policy.flags ?? [];
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
    return { field: `${at}.flags`, problem: 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined' };
  }
  return undefined;
}

const ERRNO_ACTIONS = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

function checkSeccomp(seccomp: LinuxSeccomp): Problem {
  const at = 'linux.seccomp';
  if (seccomp.listenerMetadata !== undefined && seccomp.listenerPath === undefined) {
    return { field: `${at}.listenerMetadata`, problem: 'must not be set without listenerPath' };
  }
  if (seccomp.defaultErrnoRet !== undefined && !ERRNO_ACTIONS.has(seccomp.defaultAction)) {
    return { field: `${at}.defaultErrnoRet`, problem: `not allowed with defaultAction ${seccomp.defaultAction} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)` };
  }
  for (const [i, rule] of (seccomp.syscalls ?? []).entries()) {
    if (rule.errnoRet !== undefined && !ERRNO_ACTIONS.has(rule.action)) {
      return {
        field: `${fieldIndex(`${at}.syscalls`, i)}.errnoRet`,
        problem: `not allowed with action ${rule.action} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)`,
      };
    }
  }
  return undefined;
}

function checkAbsoluteList(paths: string[] | undefined, at: string): Problem {
  for (const [i, path] of (paths ?? []).entries()) {
    if (!isAbsolute(path)) return { field: fieldIndex(at, i), problem: 'must be an absolute path' };
  }
  return undefined;
}

function checkPersonality(linux: Linux): Problem {
  const flags = linux.personality?.flags ?? [];
  if (flags.length > 0) {
    return { field: 'linux.personality.flags[0]', problem: `unsupported flag ${JSON.stringify(flags[0])} (the spec defines none)` };
  }
  return undefined;
}
