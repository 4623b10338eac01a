/**
 * The runtime-spec's resource values are cgroup v1's; these turn them into cgroup v2 values the
 * way runc does, and parse the human sizes runc's `update` flags accept.
 */

/**
 * cpu.shares [2, 262144] → cpu.weight [1, 10000], 0 meaning unset. The curve (current runc and crun)
 * maps the v1 default 1024 to the v2 default 100, and the ends to the ends.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(Math.pow(10, exponent));
}

/** blkio weight [10, 1000] → io.weight [1, 10000] (for io.weight; io.bfq.weight takes the v1 value). */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * memory.swap in the spec is memory+swap; cgroup v2's memory.swap.max is swap alone.
 * Returns the memory.swap.max value ("max", a number) or undefined when nothing is to be written.
 */
export function swapToV2(swap: number | undefined, limit: number | undefined): string | undefined {
  const mem = limit ?? 0;
  const sw = swap ?? 0;
  // Unlimited memory with swap not given: unlimited swap too, as with v1.
  if (mem === -1 && sw === 0) return 'max';
  if (sw === -1) return 'max';
  if (sw === 0) return undefined;
  if (mem === 0 || mem === -1) throw new Error('linux.resources.memory.swap: unable to set swap limit without memory limit');
  if (mem < 0) throw new Error(`linux.resources.memory.limit: invalid memory value: ${mem}`);
  if (sw < mem) throw new Error(`linux.resources.memory.swap: memory+swap limit (${sw}) should be >= memory limit (${mem})`);
  return String(sw - mem);
}

/** cpu.max from quota and period; undefined when neither is set. */
export function cpuMax(quota: number | undefined, period: number | undefined): string | undefined {
  if (!quota && !period) return undefined;
  let value = quota !== undefined && quota > 0 ? String(quota) : 'max';
  if (period) value += ` ${period}`;
  return value;
}

/** "-1" → "max" for limits that take max; other values as decimal. */
export function limitOrMax(n: number): string {
  return n < 0 ? 'max' : String(n);
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * A memory size as runc's --memory flags take it: bytes, or a number with a binary unit
 * ("64m", "1.5G", "100MiB", "512 kb"); "-1" means unlimited.
 */
export function parseMemorySize(text: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new Error(`invalid size: '${text}'`);
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
}

/** hugepages-2048kB (sysfs) → "2MB" (the cgroup file names' and the spec's spelling). */
export function hugePageSizeName(kB: number): string {
  if (kB % (1024 * 1024) === 0) return `${kB / (1024 * 1024)}GB`;
  if (kB % 1024 === 0) return `${kB / 1024}MB`;
  return `${kB}KB`;
}
