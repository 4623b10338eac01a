/**
 * The last records of any container process, init or exec: from its working directory to exec.
 * Order matters: fds are closed before anything can exec, the bounding set is cut while we still
 * hold CAP_SETPCAP, the user is switched before the final capability sets, and no_new_privs last.
 */
import { record, PlanRecord } from '../shim/records';
import { capabilityMasks } from './capabilities';
import { rlimitRecord } from './rlimits';
import type { SeccompPlan } from '../seccomp/profile-records';

/**
 * Where the executable is looked for when process.env has no PATH. runc then fails (Go's LookPath
 * sees an empty PATH); we search like execvp does, so `ctr run ... echo hi` works without --env.
 */
const DEFAULT_SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function searchPathOf(env: string[] | undefined): string {
  return (env ?? []).filter((e) => e.startsWith('PATH=')).pop()?.slice(5) ?? DEFAULT_SEARCH_PATH;
}

export interface ProcessPlanOptions {
  /** fds 3..3+preserveFds-1 stay open; every other fd above 2 is closed on exec. */
  preserveFds: number;
  availableCaps: bigint;
  warn: (msg: string) => void;
  /** Also apply process.rlimits here (exec); the init applies them earlier. */
  withRlimits?: boolean;
  seccomp?: SeccompPlan;
  /** The filter was built earlier in the plan (the init builds it during create, to report skipped rules). */
  seccompBuilt?: boolean;
}

export function userProcessRecords(proc: any, opts: ProcessPlanOptions): PlanRecord[] {
  const out: PlanRecord[] = [];
  const searchPath = searchPathOf(proc.env);
  if (opts.withRlimits)
    for (const rl of proc.rlimits ?? []) out.push(rlimitRecord(rl));
  out.push(record('chdir', proc.cwd));
  out.push(record('close_fds', 3 + opts.preserveFds));
  const caps = proc.capabilities ? capabilityMasks(proc.capabilities, opts.availableCaps, opts.warn) : undefined;
  if (caps) out.push(record('bounding', caps.bounding));
  const user = proc.user ?? { uid: 0, gid: 0 };
  // Loading a filter takes CAP_SYS_ADMIN unless no_new_privs is set: without it, load while still
  // root (the profile must then allow the setup calls that follow, as runc's does); with it, last.
  if (opts.seccomp && !opts.seccompBuilt) out.push(...opts.seccomp.build);
  if (opts.seccomp && !proc.noNewPrivileges) out.push(opts.seccomp.load);
  out.push(record('user', user.uid, user.gid, user.umask ?? 0o022, ...(user.additionalGids ?? [])));
  if (caps) out.push(record('caps', caps.effective, caps.permitted, caps.inheritable, caps.ambient));
  if (proc.noNewPrivileges) out.push(record('nnp'));
  if (opts.seccomp && proc.noNewPrivileges) out.push(opts.seccomp.load);
  out.push(record('exec', proc.args[0], searchPath, proc.args.length, ...proc.args, ...(proc.env ?? [])));
  return out;
}
