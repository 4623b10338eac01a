/**
 * The device cgroup (v1 devices.allow / devices.deny). The rules are applied in the listed order
 * over a deny-all start; then the devices every container needs and those listed in linux.devices
 * are allowed, as runc does, so a config that denies everything first still gets /dev/null. Unlike
 * runc, a device that a rule names by its own type and numbers is left as the rules say: the
 * implicit allow never undoes an explicit rule about that device.
 */
import type { LinuxDevice, LinuxDeviceCgroup } from '../spec/types';

export interface DeviceWrite {
  file: 'devices.allow' | 'devices.deny';
  value: string;
}

/** Allowed in every container: mknod of anything, the default devices, ptys. */
const ALWAYS_ALLOWED: LinuxDeviceCgroup[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
];

function normalAccess(access: string | undefined, where: string): string {
  if (access === undefined || access === '') return 'rwm';
  if (!/^[rwm]+$/.test(access)) throw new Error(`${where}.access: "${access}" is not a combination of r, w and m`);
  return ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
}

function num(n: number | undefined): string {
  return n === undefined || n < 0 ? '*' : String(n);
}

/** The kernel lines for one rule ("a" alone for all devices and all access). */
export function ruleWrites(rule: LinuxDeviceCgroup, where = 'linux.resources.devices'): DeviceWrite[] {
  const file = rule.allow ? 'devices.allow' : 'devices.deny';
  const access = normalAccess(rule.access, where);
  const type = rule.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type)) throw new Error(`${where}.type: "${type}" is not a, b or c`);
  const wildcard = rule.major === undefined && rule.minor === undefined;
  if (type === 'a' && wildcard && access === 'rwm') return [{ file, value: 'a' }];
  const types = type === 'a' ? ['c', 'b'] : [type];
  return types.map((t) => ({ file, value: `${t} ${num(rule.major)}:${num(rule.minor)} ${access}` }));
}

/** "c 10:200", "b 8:*": the device (or device class) a rule names; undefined for type a without numbers. */
function deviceKeys(rule: LinuxDeviceCgroup): string[] {
  const type = rule.type ?? 'a';
  if (type === 'a' && rule.major === undefined && rule.minor === undefined) return [];
  return (type === 'a' ? ['c', 'b'] : [type]).map((t) => `${t} ${num(rule.major)}:${num(rule.minor)}`);
}

/**
 * The rules in force after the deny-all start: the config's, in order, then the implicitly allowed
 * devices that no rule names. Both the v1 writes and the v2 eBPF program are made from this list.
 */
export function effectiveRules(rules: LinuxDeviceCgroup[] | undefined, devices: LinuxDevice[] | undefined): LinuxDeviceCgroup[] {
  const out: LinuxDeviceCgroup[] = [...(rules ?? [])];
  const named = new Set(out.flatMap(deviceKeys));
  const implicit: LinuxDeviceCgroup[] = [...ALWAYS_ALLOWED];
  for (const d of devices ?? []) {
    if (d.type === 'p' || d.major === undefined || d.minor === undefined) continue;
    implicit.push({ allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major, minor: d.minor, access: 'rwm' });
  }
  for (const r of implicit) if (!deviceKeys(r).some((k) => named.has(k))) out.push(r);
  return out;
}

/** Every write for a container: deny all, the config's rules in order, then the implicitly allowed devices. */
export function deviceWrites(rules: LinuxDeviceCgroup[] | undefined, devices: LinuxDevice[] | undefined): DeviceWrite[] {
  const out: DeviceWrite[] = [{ file: 'devices.deny', value: 'a' }];
  const given = rules?.length ?? 0;
  effectiveRules(rules, devices).forEach((r, i) => out.push(...ruleWrites(r, i < given ? `linux.resources.devices[${i}]` : 'linux.resources.devices')));
  return out;
}
