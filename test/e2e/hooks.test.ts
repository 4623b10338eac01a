/**
 * The six kinds of hooks (runtime-spec 1.3.0, config.md "POSIX-platform Hooks"
 * and runtime.md "Lifecycle"): when each runs, in which namespace, what it gets
 * on stdin, its env and args, timeouts, and what a failing hook does.
 *
 * Every hook is one small shell script that records what it saw into a log
 * directory: <label>.stdin (the state JSON), .args, .env, .mntns (its mount
 * namespace) and a line in `order`.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  addBindMount,
  Bundle,
  ContainerState,
  itSpecNotRunc,
  makeBundle,
  ok,
  OciConfig,
  OciHook,
  RuntimeUnderTest,
  scratchDir,
  shell,
  tracesOfContainer,
  uniqueName,
  useE2E,
} from '../helpers';

const e2e = useE2E();

const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
type HookKind = (typeof HOOK_KINDS)[number];

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Inside the container, where the hook log directory is bind-mounted. */
const LOG_IN_CONTAINER = '/hooklog';

const HOOK_SCRIPT = `#!/bin/sh
# Records what this hook saw. $1 is its label; HOOK_DIR is where to write.
label="$1"
cat > "$HOOK_DIR/$label.stdin"
for a in "$@"; do printf '%s\\n' "$a"; done > "$HOOK_DIR/$label.args"
env > "$HOOK_DIR/$label.env"
readlink /proc/self/ns/mnt > "$HOOK_DIR/$label.mntns"
if [ -n "$HOOK_CHECK_FILE" ]; then
  if [ -e "$HOOK_CHECK_FILE" ]; then echo yes; else echo no; fi > "$HOOK_DIR/$label.check"
fi
echo "$label" >> "$HOOK_DIR/order"
if [ -n "$HOOK_SLEEP" ]; then exec sleep "$HOOK_SLEEP"; fi
exit "\${HOOK_EXIT:-0}"
`;

/** The kinds whose path resolves in (and that run in) the container. */
function runsInContainer(kind: HookKind): boolean {
  return kind === 'createContainer' || kind === 'startContainer';
}

interface HookSetup {
  /** Host directory the hooks write to. */
  logDir: string;
  /** The hook script on the host. */
  hostScript: string;
}

interface HookSpec {
  kind: HookKind;
  label?: string;
  env?: string[];
  extraArgs?: string[];
  timeout?: number;
}

class HookedContainer {
  readonly id = uniqueName('hooks');
  readonly rt: RuntimeUnderTest;
  readonly bundle: Bundle;
  readonly setup: HookSetup;

  constructor(hooks: HookSpec[], configure?: (c: OciConfig) => void, runtimeEnv?: NodeJS.ProcessEnv) {
    this.rt = e2e.runtime(runtimeEnv ? { env: runtimeEnv } : {});
    const logDir = scratchDir('hooklog');
    const scriptDir = scratchDir('hookbin');
    const hostScript = path.join(scriptDir, 'hook.sh');
    fs.writeFileSync(hostScript, HOOK_SCRIPT, { mode: 0o755 });
    this.setup = { logDir, hostScript };
    this.bundle = makeBundle({
      files: { 'hooks/hook.sh': HOOK_SCRIPT },
      configure: (c) => {
        addBindMount(c, logDir, LOG_IN_CONTAINER);
        // The program leaves a mark, so hooks can tell whether it ran before them.
        shell(c, `touch ${LOG_IN_CONTAINER}/program-ran; exec sleep 1000`);
        const byKind: Record<string, OciHook[]> = {};
        for (const spec of hooks) {
          const inContainer = spec.kind === 'startContainer';
          const label = spec.label ?? spec.kind;
          const hook: OciHook = {
            path: inContainer ? '/hooks/hook.sh' : hostScript,
            args: ['hook.sh', label, ...(spec.extraArgs ?? [])],
            env: [PATH_ENV, `HOOK_DIR=${inContainer ? LOG_IN_CONTAINER : logDir}`, `HOOK_CHECK_FILE=${inContainer ? LOG_IN_CONTAINER : logDir}/program-ran`, ...(spec.env ?? [])],
          };
          if (spec.timeout !== undefined) hook.timeout = spec.timeout;
          (byKind[spec.kind] ??= []).push(hook);
        }
        c.hooks = byKind;
        configure?.(c);
      },
    });
    fs.chmodSync(path.join(this.bundle.rootfs, 'hooks/hook.sh'), 0o755);
  }

  order(): string[] {
    const file = path.join(this.setup.logDir, 'order');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  record(label: string, what: 'stdin' | 'args' | 'env' | 'mntns' | 'check'): string {
    return fs.readFileSync(path.join(this.setup.logDir, `${label}.${what}`), 'utf8');
  }

  stateSeenBy(label: string): ContainerState {
    return JSON.parse(this.record(label, 'stdin')) as ContainerState;
  }

  programRan(): boolean {
    return fs.existsSync(path.join(this.setup.logDir, 'program-ran'));
  }

  create() {
    return this.rt.create(this.id, this.bundle);
  }

  noTraces(): string[] {
    return tracesOfContainer({ root: this.rt.root, id: this.id, bundle: this.bundle.path });
  }
}

const allKinds = (): HookSpec[] => HOOK_KINDS.map((kind) => ({ kind }));

function ownMountNamespace(): string {
  return fs.readlinkSync('/proc/self/ns/mnt');
}

describe('hooks run', () => {
  itSpecNotRunc('each at its moment: prestart, createRuntime, createContainer in create; startContainer, poststart in start; poststop in delete (runc 1.1 runs poststart in create)', () => {
    const c = new HookedContainer(allKinds());
    ok(c.create());
    expect(c.order()).toEqual(['prestart', 'createRuntime', 'createContainer']);
    ok(c.rt.start(c.id));
    c.rt.waitForStatus(c.id, 'running');
    expect(c.order()).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart']);
    ok(c.rt.kill(c.id, 'KILL'));
    c.rt.waitForStatus(c.id, 'stopped');
    expect(c.order()).toHaveLength(5);
    ok(c.rt.delete(c.id));
    expect(c.order()).toEqual([...HOOK_KINDS]);
    expect(c.noTraces()).toEqual([]);
  });

  it('startContainer before the user program, poststart after it was executed', () => {
    const c = new HookedContainer(allKinds());
    ok(c.create());
    ok(c.rt.start(c.id));
    expect(c.record('startContainer', 'check').trim()).toBe('no');
    c.rt.waitForStatus(c.id, 'running');
    const pid = c.rt.state(c.id).pid!;
    // By the time poststart ran, init had exec'd the user program (sh, then sleep).
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).not.toMatch(/skiff|runc/);
  });

  it('hooks of one kind in the order listed', () => {
    const c = new HookedContainer([
      { kind: 'createRuntime', label: 'first' },
      { kind: 'createRuntime', label: 'second' },
      { kind: 'createRuntime', label: 'third' },
      { kind: 'poststop', label: 'stop-a' },
      { kind: 'poststop', label: 'stop-b' },
    ]);
    ok(c.create());
    expect(c.order()).toEqual(['first', 'second', 'third']);
    ok(c.rt.delete(c.id, { force: true }));
    expect(c.order()).toEqual(['first', 'second', 'third', 'stop-a', 'stop-b']);
  });

  it('prestart, createRuntime, poststart and poststop in the runtime namespace; createContainer and startContainer in the container', () => {
    const c = new HookedContainer(allKinds());
    ok(c.create());
    ok(c.rt.start(c.id));
    const pid = c.rt.waitForStatus(c.id, 'running').pid!;
    const containerMnt = fs.readlinkSync(`/proc/${pid}/ns/mnt`);
    const hostMnt = ownMountNamespace();
    expect(containerMnt).not.toBe(hostMnt);
    ok(c.rt.kill(c.id, 'KILL'));
    c.rt.waitForStatus(c.id, 'stopped');
    ok(c.rt.delete(c.id));
    for (const kind of HOOK_KINDS) {
      expect({ kind, mntns: c.record(kind, 'mntns').trim() }).toEqual({ kind, mntns: runsInContainer(kind) ? containerMnt : hostMnt });
    }
  });

  it('with the state JSON on stdin', () => {
    const c = new HookedContainer(allKinds());
    ok(c.create());
    const pid = c.rt.state(c.id).pid!;
    ok(c.rt.start(c.id));
    ok(c.rt.delete(c.id, { force: true }));
    const expectedStatus: Record<HookKind, string> = {
      prestart: 'creating',
      createRuntime: 'creating',
      createContainer: 'creating',
      startContainer: 'created',
      poststart: 'running',
      poststop: 'stopped',
    };
    // poststart is checked on its own below: runc 1.1 runs it during create.
    for (const kind of HOOK_KINDS.filter((k) => k !== 'poststart')) {
      const state = c.stateSeenBy(kind);
      expect({ kind, id: state.id, bundle: state.bundle, status: state.status }).toEqual({ kind, id: c.id, bundle: c.bundle.path, status: expectedStatus[kind] });
      expect(typeof state.ociVersion).toBe('string');
      // In the runtime namespace the pid is the one the runtime sees.
      if (kind === 'prestart' || kind === 'createRuntime') expect({ kind, pid: state.pid }).toEqual({ kind, pid });
      if (kind !== 'poststop') expect(state.pid).toBeGreaterThan(0);
    }
  });

  itSpecNotRunc('poststart gets the running state, with the pid the runtime sees (runc 1.1 runs it during create)', () => {
    const c = new HookedContainer([{ kind: 'poststart' }]);
    ok(c.create());
    expect(c.order()).toEqual([]);
    ok(c.rt.start(c.id));
    const state = c.stateSeenBy('poststart');
    expect(state).toMatchObject({ id: c.id, bundle: c.bundle.path, status: 'running', pid: c.rt.state(c.id).pid });
  });

  it('with exactly the env and args the config gives', () => {
    const leak = 'SKIFF_TEST_HOOK_LEAK';
    const c = new HookedContainer(
      HOOK_KINDS.map((kind) => ({ kind, env: ['GREETING=hello hook world'], extraArgs: ['with space', '--flag'] })),
      undefined,
      { ...process.env, [leak]: 'the runtime environment must not reach hooks' },
    );
    ok(c.create());
    ok(c.rt.start(c.id));
    ok(c.rt.delete(c.id, { force: true }));
    for (const kind of HOOK_KINDS) {
      const env = c.record(kind, 'env');
      expect({ kind, greeting: env.includes('GREETING=hello hook world\n'), leaked: env.includes(leak) }).toEqual({ kind, greeting: true, leaked: false });
      expect({ kind, args: c.record(kind, 'args').split('\n').filter(Boolean) }).toEqual({ kind, args: [kind, 'with space', '--flag'] });
    }
  });
});

describe('a hook that exceeds its timeout', () => {
  it('is killed and create fails without leaving anything', () => {
    const c = new HookedContainer([{ kind: 'createRuntime', env: ['HOOK_SLEEP=60'], timeout: 1 }]);
    const started = Date.now();
    const result = c.create();
    expect(result.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(20000);
    expect(c.programRan()).toBe(false);
    expect(c.rt.tryState(c.id)).toBeUndefined();
    expect(c.noTraces()).toEqual([]);
  });

  it('within its timeout it does not fail', () => {
    const c = new HookedContainer([{ kind: 'createRuntime', env: ['HOOK_SLEEP=1'], timeout: 10 }]);
    ok(c.create());
    expect(c.rt.state(c.id).status).toBe('created');
  });
});

describe('a failing hook', () => {
  it.each(['prestart', 'createRuntime', 'createContainer'] as const)('%s fails create, destroys the container and runs poststop', (kind) => {
    const c = new HookedContainer([{ kind, env: ['HOOK_EXIT=3'] }, { kind: 'poststop' }]);
    const result = c.create();
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).not.toBe('');
    expect(c.programRan()).toBe(false);
    expect(c.rt.tryState(c.id)).toBeUndefined();
    expect(c.noTraces()).toEqual([]);
    expect(c.order()).toEqual([kind, 'poststop']);
  });

  it('a hook path that does not exist fails create and leaves nothing', () => {
    const c = new HookedContainer([], (cfg) => (cfg.hooks = { createRuntime: [{ path: '/no/such/hook' }] }));
    const result = c.create();
    expect(result.code).not.toBe(0);
    expect(c.rt.tryState(c.id)).toBeUndefined();
    expect(c.noTraces()).toEqual([]);
  });

  itSpecNotRunc('startContainer fails start; the program never runs and the container is stopped (runc 1.1 start reports success)', () => {
    const c = new HookedContainer([{ kind: 'startContainer', env: ['HOOK_EXIT=3'] }, { kind: 'poststop' }]);
    ok(c.create());
    const result = c.rt.start(c.id);
    expect(result.code).not.toBe(0);
    expect(c.programRan()).toBe(false);
    const after = c.rt.tryState(c.id);
    expect(after === undefined || after.status === 'stopped').toBe(true);
    if (after) ok(c.rt.delete(c.id));
    expect(c.noTraces()).toEqual([]);
    expect(c.order()).toEqual(['startContainer', 'poststop']);
  });

  itSpecNotRunc('poststart fails start, and the container is stopped and destroyed (runc only warns)', () => {
    const c = new HookedContainer([{ kind: 'poststart', env: ['HOOK_EXIT=3'] }, { kind: 'poststop' }]);
    ok(c.create());
    const result = c.rt.start(c.id);
    expect(result.code).not.toBe(0);
    const after = c.rt.tryState(c.id);
    expect(after === undefined || after.status === 'stopped').toBe(true);
    if (after) ok(c.rt.delete(c.id));
    expect(c.noTraces()).toEqual([]);
    expect(c.order()).toEqual(['poststart', 'poststop']);
  });

  itSpecNotRunc('poststop only warns: delete succeeds and the next poststop hook still runs (runc 1.1 skips the rest)', () => {
    const c = new HookedContainer([
      { kind: 'poststop', label: 'failing', env: ['HOOK_EXIT=3'] },
      { kind: 'poststop', label: 'next' },
    ]);
    ok(c.create());
    ok(c.rt.kill(c.id, 'KILL'));
    c.rt.waitForStatus(c.id, 'stopped');
    ok(c.rt.delete(c.id));
    expect(c.order()).toEqual(['failing', 'next']);
    expect(c.rt.tryState(c.id)).toBeUndefined();
    expect(c.noTraces()).toEqual([]);
  });
});
