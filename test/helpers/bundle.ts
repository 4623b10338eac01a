/**
 * OCI bundles for tests: a fresh /tmp/skiff-test-bundle-XXXXXX with a busybox
 * rootfs and a config.json derived from defaultConfig(). The directory is
 * registered with the cleanup tracker, so it is unmounted below and removed
 * after the test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CleanupTracker, defaultCleanup } from './cleanup';
import { defaultConfig, OciConfig } from './default-config';
import { isAtOrBelow } from './mountinfo';
import { makeTempDir } from './names';
import { addFiles, buildBusyboxRootfs } from './rootfs';

export interface BundleOptions {
  /** Shortcut for config.process.args. */
  args?: string[];
  /** Edits the default config in place before it is written. */
  configure?: (config: OciConfig) => void;
  /** 'busybox' (default) or 'empty' (an empty rootfs dir, for error-path tests). */
  rootfs?: 'busybox' | 'empty';
  /** Extra files to put into the rootfs, keyed by path inside it. */
  files?: Record<string, string | Buffer>;
  cleanup?: CleanupTracker;
}

export class Bundle {
  constructor(
    /** The bundle directory, passed to the runtime as --bundle. */
    readonly path: string,
    /** The config as last written. */
    public config: OciConfig,
  ) {}

  get configPath(): string {
    return path.join(this.path, 'config.json');
  }

  /** Absolute rootfs path as config.root.path names it (relative to the bundle). */
  get rootfs(): string {
    return path.resolve(this.path, this.config.root?.path ?? 'rootfs');
  }

  /** Edits the config and writes it back (e.g. between two runs). */
  updateConfig(edit: (config: OciConfig) => void): void {
    edit(this.config);
    this.writeConfig();
  }

  /** Writes `config` as is; use it for deliberately malformed configs too. */
  writeConfig(config: OciConfig = this.config): void {
    this.config = config;
    fs.writeFileSync(this.configPath, JSON.stringify(config, null, 2) + '\n');
  }
}

export function makeBundle(options: BundleOptions = {}): Bundle {
  const tracker = options.cleanup ?? defaultCleanup;
  const dir = makeTempDir('bundle');
  tracker.trackDir(dir);

  const config = defaultConfig();
  if (options.args) config.process!.args = [...options.args];
  options.configure?.(config);

  const bundle = new Bundle(dir, config);
  const rootfs = bundle.rootfs;
  // A root.path pointing outside the bundle belongs to the test; leave it alone.
  if (isAtOrBelow(rootfs, dir)) {
    if (options.rootfs === 'empty') fs.mkdirSync(rootfs, { recursive: true });
    else buildBusyboxRootfs(rootfs);
    if (options.files) addFiles(rootfs, options.files);
  }

  bundle.writeConfig();
  return bundle;
}

/** A fresh host directory /tmp/skiff-test-<run>-<kind>-XXXXXX, removed (and unmounted below) after the test. */
export function scratchDir(kind = 'scratch', tracker: CleanupTracker = defaultCleanup): string {
  const dir = makeTempDir(kind);
  tracker.trackDir(dir);
  return dir;
}
