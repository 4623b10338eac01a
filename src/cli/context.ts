/**
 * The global options every command receives, resolved from the global flags the
 * way runc does before running a command.
 */
import { fs } from '../sys/lazy-builtins';
import { absolutePath } from '../sys/absolute-path';
import { RuntimeError } from './errors';

export interface GlobalOptions {
  /** Directory for container state; default /run/skiff (or $XDG_RUNTIME_DIR/skiff when unprivileged). */
  root: string;
  /** Log file from --log; undefined means stderr. */
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  /** 'true' | 'false' | 'auto' as given; see rootlessSetting(). */
  rootless: string;
}

export const DEFAULT_ROOT = '/run/skiff';

/** True when running as root inside a user namespace (uid 0 is not the host's root). */
function inUserNamespace(): boolean {
  try {
    const map = fs.readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return !(map.length === 3 && map[0] === '0' && map[1] === '0' && map[2] === '4294967295');
  } catch {
    return false;
  }
}

/**
 * Unprivileged users keep state under $XDG_RUNTIME_DIR, as runc does; real root
 * always uses /run/skiff. Root inside a user namespace follows XDG unless $USER is root.
 */
function xdgRuntimeRoot(): string | undefined {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (!xdg) return undefined;
  const euid = process.geteuid ? process.geteuid() : 0;
  if (euid === 0 && (!inUserNamespace() || process.env.USER === 'root')) return undefined;
  return `${xdg}/skiff`;
}

/** The --root default shown in help and used when --root is absent. */
export function defaultRoot(): string {
  return xdgRuntimeRoot() ?? DEFAULT_ROOT;
}

export interface RawGlobalFlags {
  root?: string;
  log?: string;
  logFormat?: string;
  debug?: boolean;
  systemdCgroup?: boolean;
  rootless?: string;
}

/**
 * Turn parsed global flags into GlobalOptions: an explicit --root becomes an absolute
 * path and may not be "/"; the XDG root is created sticky and private; --log-format
 * must be text or json.
 */
export function resolveGlobalOptions(raw: RawGlobalFlags): GlobalOptions {
  let root: string;
  if (raw.root !== undefined) {
    root = absolutePath(raw.root);
    if (root === '/') throw new RuntimeError('Option --root argument should not be set to /');
  } else {
    const xdgRoot = xdgRuntimeRoot();
    root = xdgRoot ?? DEFAULT_ROOT;
    if (xdgRoot) {
      // Files under XDG_RUNTIME_DIR without the sticky bit may be pruned by the session manager.
      fs.mkdirSync(xdgRoot, { recursive: true, mode: 0o700 });
      fs.chmodSync(xdgRoot, 0o1700);
    }
  }
  const format = raw.logFormat ?? 'text';
  if (format !== '' && format !== 'text' && format !== 'json') {
    throw new RuntimeError(`invalid log-format: ${format}`);
  }
  return {
    root,
    log: raw.log ? raw.log : undefined,
    logFormat: format === 'json' ? 'json' : 'text',
    debug: raw.debug ?? false,
    systemdCgroup: raw.systemdCgroup ?? false,
    rootless: raw.rootless ?? 'auto',
  };
}

/** --rootless as true, false or 'auto' (also for an empty value); throws on anything else. */
export function rootlessSetting(g: GlobalOptions): boolean | 'auto' {
  const v = g.rootless;
  if (v === '' || v.toLowerCase() === 'auto') return 'auto';
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new RuntimeError(`invalid --rootless value "${v}": want true, false or auto`);
}
