/**
 * Reading and writing cgroup control files. A failed write names the value and the file, as
 * runc's messages do: `failed to write "500": write /sys/fs/cgroup/cpu/x/cpu.cfs_quota_us: invalid argument`.
 */
import { fs, path } from '../sys/lazy-builtins';

/** A write the kernel refused; `code` is the errno name (EINVAL, EBUSY, ...). */
export class CgroupWriteError extends Error {
  constructor(readonly file: string, readonly value: string, readonly code: string, reason: string) {
    super(`failed to write ${JSON.stringify(value)}: write ${file}: ${reason}`);
    this.name = 'CgroupWriteError';
  }
}

/** strerror(3) where libuv's wording differs. */
const ERRNO_TEXT: Record<string, string> = {
  ENOTSUP: 'operation not supported',
  EOPNOTSUPP: 'operation not supported',
  ERANGE: 'numerical result out of range',
};

/** Node's "EINVAL: invalid argument, write" → "invalid argument". */
export function errnoText(e: any): string {
  if (typeof e?.code === 'string' && ERRNO_TEXT[e.code]) return ERRNO_TEXT[e.code];
  const msg: string = typeof e?.message === 'string' ? e.message : String(e);
  const m = /^[A-Z0-9]+: (.*?)(, [a-z_]+(?: '.*')?)?$/.exec(msg);
  return m ? m[1] : msg;
}

/** One write(2) of the whole value, as the kernel parses each write separately. */
export function writeCgroupFile(dir: string, file: string, value: string): void {
  const writer = new CgroupWriter();
  try {
    writer.write(dir, file, value);
  } finally {
    writer.close();
  }
}

/**
 * Writes that keep the last file open: a run of writes to one file (a container's dozen device
 * rules) then costs one open. Each write(2) is still parsed alone by the kernel.
 */
export class CgroupWriter {
  private fd = -1;
  private full = '';

  write(dir: string, file: string, value: string): void {
    const full = path.join(dir, file);
    if (full !== this.full) {
      this.close();
      try {
        this.fd = fs.openSync(full, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
      } catch (e: any) {
        throw new CgroupWriteError(full, value, e.code ?? 'EIO', e.code === 'ENOENT' ? 'no such file or directory' : errnoText(e));
      }
      this.full = full;
    }
    try {
      fs.writeSync(this.fd, value);
    } catch (e: any) {
      throw new CgroupWriteError(full, value, e.code ?? 'EIO', errnoText(e));
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.full = '';
  }
}

export function readCgroupFile(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

export function cgroupFileExists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

/** A number file ("max" reads as undefined, as does a missing file). */
export function readNumber(dir: string, file: string): number | undefined {
  const text = readCgroupFile(dir, file)?.trim();
  if (text === undefined || text === '' || text === 'max') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The kernel's "max" as the unsigned 64-bit maximum, as runc reports it. */
export const UINT64_MAX = 18446744073709551615n;

/** An unsigned counter or limit, exactly ("max" → UINT64_MAX); undefined when missing or unparsable. */
export function parseU64(text: string | undefined): bigint | undefined {
  const t = text?.trim();
  if (t === undefined || t === '') return undefined;
  if (t === 'max') return UINT64_MAX;
  return /^-?\d+$/.test(t) ? BigInt(t) : undefined;
}

/** A flat keyed file ("key value" per line), such as memory.stat or cpu.stat, with exact values. */
export function readKeyed(dir: string, file: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of (readCgroupFile(dir, file) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    const n = parseU64(value);
    if (key && n !== undefined) out[key] = n;
  }
  return out;
}
