/**
 * The command line as users and container managers see it: `list`, the log
 * file containerd reads, flag spellings, `spec` and `features`, and the
 * messages for a missing executable or a bad config (after which nothing of
 * the container may be left).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  itSpecNotRunc,
  makeBundle,
  ok,
  OciConfig,
  orphanedShims,
  RunResult,
  tracesOfContainer,
  uniqueName,
  useE2E,
} from '../helpers';

const e2e = useE2E();

const NOT_FOUND = 'unable to start container process: exec: "foo": executable file not found in $PATH';

/** The runtime's message with logfmt quoting undone (runc prints msg="... \\"foo\\" ..."). */
function messageText(stderr: string): string {
  return stderr.replace(/\\"/g, '"');
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

describe('list', () => {
  function twoContainers() {
    const rt = e2e.runtime();
    const createdId = uniqueName('listc');
    const runningId = uniqueName('listr');
    const createdBundle = makeBundle({ args: ['sleep', '1000'] });
    ok(rt.create(createdId, createdBundle));
    ok(rt.run(runningId, makeBundle({ args: ['sleep', '1000'] }), { detach: true }));
    return { rt, createdId, runningId, createdBundle };
  }

  it('prints a table with a header and one row per container', () => {
    const { rt, createdId, runningId, createdBundle } = twoContainers();
    const result = ok(rt.invoke(['list']));
    const lines = nonEmptyLines(result.stdout);
    expect(lines[0].split(/\s+/)).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    const rows = new Map(lines.slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s+/)]));
    expect([...rows.keys()].sort()).toEqual([createdId, runningId].sort());
    expect(rows.get(createdId)!.slice(1, 4)).toEqual([String(rt.state(createdId).pid), 'created', createdBundle.path]);
    expect(rows.get(runningId)![2]).toBe('running');
  });

  it('-q prints only the ids', () => {
    const { rt, createdId, runningId } = twoContainers();
    const result = ok(rt.invoke(['list', '-q']));
    expect(nonEmptyLines(result.stdout).sort()).toEqual([createdId, runningId].sort());
  });

  it('--format json prints the state of each container', () => {
    const { rt, createdId, runningId, createdBundle } = twoContainers();
    for (const flags of [['--format', 'json'], ['-f', 'json']]) {
      const result = ok(rt.invoke(['list', ...flags]));
      const entries = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
      expect(entries.map((e) => e.id).sort()).toEqual([createdId, runningId].sort());
      const createdEntry = entries.find((e) => e.id === createdId)!;
      expect(createdEntry).toMatchObject({ status: 'created', pid: rt.state(createdId).pid, bundle: createdBundle.path });
      expect(createdEntry).toHaveProperty('created');
      expect(createdEntry).toHaveProperty('owner');
      expect(entries.find((e) => e.id === runningId)!.status).toBe('running');
    }
  });

  it('succeeds with an empty or missing state root', () => {
    const rt = e2e.runtime();
    const result = ok(rt.invoke(['list', '-q']));
    expect(result.stdout.trim()).toBe('');
  });
});

describe('errors', () => {
  it(`a missing executable fails with '${NOT_FOUND}' and leaves nothing`, () => {
    const rt = e2e.runtime();
    const id = uniqueName('noexec');
    const bundle = makeBundle({ args: ['foo'] });
    const result = rt.run(id, bundle);
    expect(result.code).not.toBe(0);
    expect(messageText(result.stderr)).toContain(NOT_FOUND);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('create reports a missing executable already, and leaves nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('noexec');
    const bundle = makeBundle({ args: ['foo'] });
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(messageText(result.stderr)).toContain(NOT_FOUND);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it("looks the executable up in the container's PATH, not the host's", () => {
    const rt = e2e.runtime();
    const bundle = makeBundle({
      files: { 'opt/tools/greet': '#!/bin/sh\necho "greetings from $0"\n' },
      configure: (c) => {
        c.process!.args = ['greet'];
        c.process!.env = ['PATH=/opt/tools:/bin'];
      },
    });
    fs.chmodSync(path.join(bundle.rootfs, 'opt/tools/greet'), 0o755);
    const result = rt.run(uniqueName('path'), bundle);
    expect(result.stdout).toBe('greetings from /opt/tools/greet\n');
    expect(result.code).toBe(0);
  });

  it('a missing absolute executable names the path', () => {
    const rt = e2e.runtime();
    const result = rt.run(uniqueName('noabs'), makeBundle({ args: ['/no/such/program'] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('/no/such/program');
  });

  it('--log FILE --log-format json ends with the error as a json line', () => {
    const rt = e2e.runtime({ log: true, logFormat: 'json' });
    const result = rt.run(uniqueName('log'), makeBundle({ args: ['foo'] }));
    expect(result.code).not.toBe(0);
    const entries = rt.readLog();
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry).not.toHaveProperty('raw');
      expect(entry).toEqual(expect.objectContaining({ level: expect.any(String), msg: expect.any(String), time: expect.any(String) }));
      expect(Number.isNaN(Date.parse(String(entry.time)))).toBe(false);
    }
    const last = entries[entries.length - 1];
    expect(last.level).toBe('error');
    expect(String(last.msg)).toContain(NOT_FOUND);
  });

  // containerd tells "not found" from other failures by this message (state and kill read the state
  // through Bun.file under bun: src/sys/quick-files.ts; delete and start through node:fs).
  // Exit codes as runc's: 255 for exec.
  it.each([['state', 1], ['kill', 1, 'KILL'], ['delete', 1], ['start', 1], ['exec', 255, 'true']])(
    '%s of a container that does not exist says "container does not exist" (exit %i)',
    (command, code, ...rest) => {
      const rt = e2e.runtime();
      const r = spawnSync(rt.binary, ['--root', rt.root, String(command), uniqueName('missing'), ...rest.map(String)], { encoding: 'utf8', timeout: 30000 });
      expect({ code: r.status, stdout: r.stdout }).toEqual({ code, stdout: '' });
      expect(r.stderr).toContain('container does not exist');
    },
  );

  it('--log-format text writes readable lines with the error', () => {
    const rt = e2e.runtime({ log: true, logFormat: 'text' });
    const result = rt.run(uniqueName('logtext'), makeBundle({ args: ['foo'] }));
    expect(result.code).not.toBe(0);
    const text = fs.readFileSync(rt.logFile!, 'utf8');
    expect(text).toContain('executable file not found');
    expect(text).toMatch(/error/);
  });
});

describe('a bad config gets one message naming the field and leaves nothing behind', () => {
  const cases: Array<[string, RegExp, (c: OciConfig) => void]> = [
    ['process.user.uid is a string', /uid/, (c) => ((c.process!.user as Record<string, unknown>).uid = 'root')],
    ['process.user.additionalGids is not an array', /additionalGids/, (c) => ((c.process!.user as Record<string, unknown>).additionalGids = 'x')],
    ['process.cwd is relative', /cwd/i, (c) => (c.process!.cwd = 'relative/dir')],
    ['process.args is empty', /args/, (c) => (c.process!.args = [])],
    ['an unknown rlimit', /rlimit/i, (c) => (c.process!.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }])],
    ['an unknown namespace type', /namespace/i, (c) => c.linux!.namespaces!.push({ type: 'bogus' })],
    ['a duplicated namespace', /namespaces?|\bns\b/i, (c) => c.linux!.namespaces!.push({ type: 'pid' })],
    ['a relative hook path', /hook/i, (c) => (c.hooks = { createRuntime: [{ path: 'relative/hook' }] })],
  ];

  function expectRejected(edit: (c: OciConfig) => void, field: RegExp): RunResult {
    const rt = e2e.runtime();
    const id = uniqueName('badcfg');
    const bundle = makeBundle({ args: ['echo', 'must not run'], configure: edit });
    const shimsBefore = new Set(orphanedShims());
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('must not run');
    const lines = nonEmptyLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(field);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
    expect(fs.existsSync(rt.root) ? fs.readdirSync(rt.root) : []).toEqual([]);
    // skiff starts skiff-init before it reads the config: it must be gone, not even a zombie.
    expect(orphanedShims().filter((p) => !shimsBefore.has(p))).toEqual([]);
    return result;
  }

  it.each(cases)('%s', (_name, field, edit) => {
    expectRejected(edit, field);
  });

  itSpecNotRunc('a mount without a destination (runc warns and fails elsewhere)', () => {
    expectRejected((c) => delete (c.mounts![1] as Record<string, unknown>).destination, /destination/);
  });

  itSpecNotRunc('config.json that is not JSON (runc says only "unexpected EOF")', () => {
    const rt = e2e.runtime();
    const id = uniqueName('notjson');
    const bundle = makeBundle();
    fs.writeFileSync(bundle.configPath, '{ "ociVersion": "1.0.2", ');
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(nonEmptyLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/config\.json|JSON/i);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('a bundle without config.json', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nocfg');
    const bundle = makeBundle();
    fs.rmSync(bundle.configPath);
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/config\.json/);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('a root.path that does not exist', () => {
    const rt = e2e.runtime();
    const id = uniqueName('noroot');
    const bundle = makeBundle();
    bundle.updateConfig((c) => (c.root!.path = 'no-such-rootfs'));
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-rootfs|root/);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });
});

describe('flags', () => {
  function raw(binary: string, args: string[]) {
    return spawnSync(binary, args, { encoding: 'utf8', timeout: 30000 });
  }

  it('global flags may be spelled --flag value, --flag=value and -flag value', () => {
    const rt = e2e.runtime();
    const id = uniqueName('flags');
    ok(rt.create(id, makeBundle({ args: ['sleep', '1000'] })));
    for (const spelling of [['--root', rt.root], [`--root=${rt.root}`], ['-root', rt.root]]) {
      const r = raw(rt.binary, [...spelling, 'state', id]);
      expect({ spelling, code: r.status, stderr: r.stderr }).toEqual({ spelling, code: 0, stderr: '' });
      expect(JSON.parse(r.stdout).id).toBe(id);
    }
  });

  it('command flags may be Go-style single-dash (as go-runc passes them)', () => {
    const rt = e2e.runtime();
    const id = uniqueName('goflags');
    const bundle = makeBundle({ args: ['echo', 'go style'] });
    rt.track(id, bundle);
    const r = rt.invoke(['run', '-bundle', bundle.path, '-no-subreaper', id]);
    expect(r.stdout).toBe('go style\n');
    expect(r.code).toBe(0);
  });

  it('--version prints the version and the spec version', () => {
    const r = raw(e2e.binary, ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/version/);
    expect(r.stdout).toMatch(/spec: \d+\.\d+\.\d+/);
  });

  it('an unknown command fails', () => {
    const r = raw(e2e.binary, ['no-such-command']);
    expect(r.status).not.toBe(0);
  });
});

describe('spec and features', () => {
  it('spec writes a config.json that runs once given a rootfs and a plain process', () => {
    const rt = e2e.runtime();
    const bundle = makeBundle();
    fs.rmSync(bundle.configPath);
    ok(rt.invoke(['spec', '--bundle', bundle.path]));
    const config = JSON.parse(fs.readFileSync(bundle.configPath, 'utf8')) as OciConfig;
    expect(config.ociVersion).toMatch(/^1\./);
    expect(config.root?.path).toBe('rootfs');
    config.process!.terminal = false;
    config.process!.args = ['echo', 'from spec'];
    bundle.writeConfig(config);
    const result = rt.run(uniqueName('spec'), bundle);
    expect(result.stdout).toBe('from spec\n');
    expect(result.code).toBe(0);
  });

  it('spec refuses to overwrite an existing config.json', () => {
    const rt = e2e.runtime();
    const bundle = makeBundle();
    const before = fs.readFileSync(bundle.configPath, 'utf8');
    expect(rt.invoke(['spec', '--bundle', bundle.path]).code).not.toBe(0);
    expect(fs.readFileSync(bundle.configPath, 'utf8')).toBe(before);
  });

  it('features prints JSON naming the supported hooks, namespaces and mount options', () => {
    const rt = e2e.runtime();
    const features = JSON.parse(ok(rt.invoke(['features'])).stdout);
    expect(features.hooks).toEqual(expect.arrayContaining(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']));
    expect(features.linux.namespaces).toEqual(expect.arrayContaining(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup']));
    expect(features.mountOptions).toEqual(expect.arrayContaining(['ro', 'rbind', 'nosuid']));
  });
});
