import { record, PlanRecord } from '../shim/records';

/** RLIMIT_* numbers on Linux (asm-generic/resource.h). */
const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export function rlimitNumber(type: string): number {
  const n = Object.hasOwn(RLIMITS, type) ? RLIMITS[type] : undefined;
  if (n === undefined) throw new Error(`process.rlimits: unknown rlimit type "${type}"`);
  return n;
}

const RLIM_INFINITY = 0xffffffffffffffffn;

/** JSON numbers are doubles: RLIM_INFINITY (2^64-1) arrives as 2^64, so clamp to the largest value. */
function limitValue(v: number): bigint {
  const n = BigInt(Math.trunc(v));
  return n > RLIM_INFINITY ? RLIM_INFINITY : n;
}

export function rlimitRecord(rl: { type: string; soft: number; hard: number }): PlanRecord {
  return record('rlimit', rlimitNumber(rl.type), limitValue(rl.soft), limitValue(rl.hard));
}
