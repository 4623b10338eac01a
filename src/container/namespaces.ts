import { record, PlanRecord } from '../shim/records';

export interface NamespaceSpec {
  type: string;
  path?: string;
}

/** Spec namespace type → [the name /proc/<pid>/ns uses, CLONE_NEW* flag]. */
const KINDS: Record<string, [string, number]> = {
  pid: ['pid', 0x20000000],
  network: ['net', 0x40000000],
  mount: ['mnt', 0x00020000],
  ipc: ['ipc', 0x08000000],
  uts: ['uts', 0x04000000],
  user: ['user', 0x10000000],
  cgroup: ['cgroup', 0x02000000],
  time: ['time', 0x00000080],
};
const CLONE_NEWTIME = 0x80;
export const CLONE_NEWCGROUP = KINDS.cgroup[1];

/** The name of a namespace type under /proc/<pid>/ns. */
export function namespaceProcName(type: string): string {
  const kind = KINDS[type];
  if (!kind) throw new Error(`linux.namespaces: unknown namespace type "${type}"`);
  return kind[0];
}

export interface NamespacePlan {
  records: PlanRecord[];
  /** Types the container gets a new namespace of. */
  created: Set<string>;
  /** Types joined from a path. */
  joined: Map<string, string>;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface TimeOffsets {
  [clock: string]: { secs?: number; nanosecs?: number } | undefined;
}

function mapText(maps: IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/**
 * Phase 1 of the plan: join namespaces given by path (user last, as joining it first would take
 * away the rights to join the others), create the rest with clone (but for cgroup), write the id maps.
 */
export function namespacePlan(
  namespaces: NamespaceSpec[],
  uidMappings: IdMapping[] | undefined,
  gidMappings: IdMapping[] | undefined,
  timeOffsets: TimeOffsets | undefined,
): NamespacePlan {
  const created = new Set<string>();
  const joined = new Map<string, string>();
  for (const ns of namespaces) {
    if (!KINDS[ns.type]) throw new Error(`linux.namespaces: unknown namespace type "${ns.type}"`);
    if (created.has(ns.type) || joined.has(ns.type)) throw new Error(`linux.namespaces: duplicate namespace type "${ns.type}"`);
    if (ns.path) joined.set(ns.type, ns.path);
    else created.add(ns.type);
  }
  const records: PlanRecord[] = [];
  // A cgroup namespace is joined by the child, once it is in its cgroups: where cgroup2 is mounted
  // with nsdelegate (systemd does), skiff-init could not clone it into cgroups outside the namespace
  // it had joined (cgroups/join-records.ts). Not when the child gets a new user namespace, in which
  // it would lack the right to join one of the host's: skiff-init joins it, and where that clone is
  // refused, moves the child after making it.
  const childJoinsCgroup = joined.has('cgroup') && !created.has('user');
  const order = [...joined.keys()]
    .filter((type) => !(type === 'cgroup' && childJoinsCgroup))
    .sort((a, b) => Number(a === 'user') - Number(b === 'user'));
  for (const type of order) records.push(record('join', KINDS[type][0], joined.get(type)!));

  if (timeOffsets && Object.keys(timeOffsets).length && !created.has('time'))
    throw new Error('linux.timeOffsets: set without a new time namespace');
  if (created.has('time')) {
    records.push(record('unshare', CLONE_NEWTIME));
    for (const [clock, off] of Object.entries(timeOffsets ?? {}))
      records.push(record('timens_offset', clock, off?.secs ?? 0, off?.nanosecs ?? 0));
  }
  // Neither the time namespace (unshared above) nor the cgroup namespace: its root is the cgroup its
  // creator is in, so the init makes it itself once it is in its own cgroups (init-plan.ts).
  let flags = 0;
  for (const type of created) if (type !== 'time' && type !== 'cgroup') flags |= KINDS[type][1];
  records.push(record('clone', flags >>> 0));
  if (childJoinsCgroup) records.push(record('child_join', KINDS.cgroup[0], joined.get('cgroup')!));
  if (created.has('user')) {
    if (!uidMappings?.length || !gidMappings?.length)
      throw new Error('linux.uidMappings: a new user namespace needs uidMappings and gidMappings');
    records.push(record('uid_map', mapText(uidMappings)));
    records.push(record('gid_map', mapText(gidMappings)));
  } else if (uidMappings?.length || gidMappings?.length) {
    throw new Error('linux.uidMappings: set without a new user namespace');
  }
  return { records, created, joined };
}
