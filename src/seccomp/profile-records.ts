/**
 * linux.seccomp as plan records for skiff-init, which builds the filter with libseccomp.
 * Decisions live here: architecture names, the default errno, rules that equal the default
 * (libseccomp refuses them), and one rule per condition when a syscall tests one argument twice.
 */
import { record, socketRecord, PlanRecord } from '../shim/records';

const EPERM = 1;
const OPERATORS: Record<string, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};

/** SCMP_ARCH_X86_64 → x86_64, the name libseccomp resolves. */
function archName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompPlan {
  /** Builds the filter (sent any time before load). */
  build: PlanRecord[];
  load: PlanRecord;
}

/** The container process state the listener receives with the notify fd (config-linux.md). */
export interface ListenerState {
  pid: number;
  state: object;
}

export function seccompPlan(seccomp: any, listenerState?: ListenerState): SeccompPlan | undefined {
  if (!seccomp) return undefined;
  const notifies = (seccomp.syscalls ?? []).some((r: any) => r.action === 'SCMP_ACT_NOTIFY');
  if (notifies && !seccomp.listenerPath) throw new Error('linux.seccomp.listenerPath: needed by SCMP_ACT_NOTIFY');
  let load = record('seccomp_load');
  if (seccomp.listenerPath && notifies) {
    const payload = {
      ociVersion: '1.3.0',
      fds: ['seccompFd'],
      pid: listenerState?.pid ?? 0,
      ...(seccomp.listenerMetadata ? { metadata: seccomp.listenerMetadata } : {}),
      state: listenerState?.state ?? {},
    };
    load = record('seccomp_load', JSON.stringify(payload));
  }
  const defaultErrno = seccomp.defaultErrnoRet ?? EPERM;
  const defaultKey = `${seccomp.defaultAction}/${seccomp.defaultAction === 'SCMP_ACT_ERRNO' ? defaultErrno : 0}`;
  const build: PlanRecord[] = [record('seccomp_init', seccomp.defaultAction, defaultErrno)];
  for (const arch of seccomp.architectures ?? []) build.push(record('seccomp_arch', archName(arch)));
  for (const flag of seccomp.flags ?? []) build.push(record('seccomp_flag', flag));
  for (const [i, rule] of (seccomp.syscalls ?? []).entries()) {
    const value = rule.action === 'SCMP_ACT_ERRNO' ? (rule.errnoRet ?? EPERM) : rule.action === 'SCMP_ACT_TRACE' ? (rule.errnoRet ?? 0) : 0;
    if (`${rule.action}/${value}` === defaultKey) continue;
    const args: SeccompArg[] = rule.args ?? [];
    const cond = (a: SeccompArg) => {
      const op = OPERATORS[a.op];
      if (op === undefined) throw new Error(`linux.seccomp.syscalls[${i}]: unknown operator ${a.op}`);
      return [a.index, BigInt(a.value), BigInt(a.valueTwo ?? 0), op];
    };
    // libseccomp ANDs the conditions of one rule but refuses two on the same argument: OR them instead.
    const repeats = new Set(args.map((a) => a.index)).size !== args.length;
    const groups = repeats ? args.map((a) => [a]) : [args];
    for (const name of rule.names ?? [])
      for (const group of groups) build.push(record('seccomp_rule', rule.action, value, name, group.length, ...group.flatMap(cond)));
  }
  return { build, load };
}

/** Phase 1: skiff-init connects to the listener while it still sees the host's filesystem. */
export function listenerConnectRecords(seccomp: any): PlanRecord[] {
  const notifies = (seccomp?.syscalls ?? []).some((r: any) => r.action === 'SCMP_ACT_NOTIFY');
  if (!notifies || !seccomp.listenerPath) return [];
  return [socketRecord('seccomp_listener', seccomp.listenerPath)];
}
