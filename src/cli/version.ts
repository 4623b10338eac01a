/**
 * What `skiff --version` prints:
 *   skiff version 0.1.0
 *   commit: <git sha or unknown>
 *   spec: 1.3.0
 *   libseccomp: 2.5.4
 */
import { fs } from '../sys/lazy-builtins';

/** Must equal package.json's "version" (a unit test checks); a constant so nothing is read at run time. */
export const SKIFF_VERSION = '0.1.0';

/** The runtime-spec version skiff implements (ociVersion of `skiff spec`, ociVersionMax of features). */
export const OCI_SPEC_VERSION = '1.3.0';

// Replaced at build time by `bun build --define` (scripts/build.js); absent under plain tsc.
declare const SKIFF_GIT_COMMIT: string | undefined;
declare const SKIFF_LIBSECCOMP_VERSION: string | undefined;

export function gitCommit(): string {
  return typeof SKIFF_GIT_COMMIT === 'string' && SKIFF_GIT_COMMIT !== '' ? SKIFF_GIT_COMMIT : 'unknown';
}

const LIBRARY_DIRS: Record<string, string[]> = {
  x64: ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'],
  arm64: ['/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'],
};

/**
 * The libseccomp skiff-init's filters are built by. bin/skiff knows the one skiff-init was linked
 * with (statically) at build time; without that (tsc builds), the installed library's version, read
 * from the name its libseccomp.so.2 symlink resolves to (libseccomp.so.2.5.4).
 */
export function libseccompVersion(): string | undefined {
  if (typeof SKIFF_LIBSECCOMP_VERSION === 'string' && SKIFF_LIBSECCOMP_VERSION !== '') return SKIFF_LIBSECCOMP_VERSION;
  const dirs = [...(LIBRARY_DIRS[process.arch] ?? []), '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
  for (const dir of dirs) {
    try {
      const real = fs.realpathSync(`${dir}/libseccomp.so.2`);
      const m = /libseccomp\.so\.(\d+\.\d+\.\d+)$/.exec(real);
      if (m) return m[1];
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function versionText(): string {
  const lines = [
    `skiff version ${SKIFF_VERSION}`,
    `commit: ${gitCommit()}`,
    `spec: ${OCI_SPEC_VERSION}`,
  ];
  const seccomp = libseccompVersion();
  if (seccomp) lines.push(`libseccomp: ${seccomp}`);
  return lines.join('\n') + '\n';
}
