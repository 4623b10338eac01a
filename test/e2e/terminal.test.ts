/**
 * Terminals: process.terminal with --console-socket. A receiver of our own
 * (test/helpers/recvtty.c) listens on the socket the way containerd's shim or
 * conmon does, gets the pty master by SCM_RIGHTS, types into it and records
 * what the container prints. Run as a child subreaper around `create`, it also
 * becomes the init's parent and reports the container's exit status.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { Bundle, cHelperBinary, makeBundle, ok, OciConfig, REPO_ROOT, RuntimeUnderTest, scratchDir, sleepSync, uniqueName, useE2E } from '../helpers';
import { haveTmux, startTmux } from '../helpers/clients';

const e2e = useE2E();

interface TtyEvent {
  event: string;
  [key: string]: unknown;
}

interface Receiver {
  socket: string;
  /** What the container wrote to its terminal so far, with the pty's \r\n turned into \n. */
  output(): string;
  events(): TtyEvent[];
  waitFor(event: string, timeoutMs?: number): TtyEvent;
  /** Resolves when the receiver exited (the pty closed and, with a command, every child was reaped). */
  finished: Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts the receiver. With `command`, it runs the command (a `create`) as its
 * child while listening, being a child subreaper so that it reaps the init.
 */
function startReceiver(
  options: { input?: string; waitForOutput?: boolean; command?: (socket: string) => string[]; timeoutSec?: number } = {},
): Receiver {
  const dir = scratchDir('tty');
  const socket = path.join(dir, 'console.sock');
  const outFile = path.join(dir, 'output');
  const reportFile = path.join(dir, 'report');
  const args: string[] = ['-t', String(options.timeoutSec ?? 30)];
  if (options.input !== undefined) args.push('-i', options.input);
  if (options.waitForOutput) args.push('-w');
  args.push(socket, outFile, reportFile);
  if (options.command) args.push('--', ...options.command(socket));
  const child = spawn(cHelperBinary('recvtty'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) e2e.cleanup.trackProcess(child.pid);
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => err.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const finished = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') })),
  );
  const events = (): TtyEvent[] =>
    fs.existsSync(reportFile)
      ? fs.readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TtyEvent)
      : [];
  const waitFor = (event: string, timeoutMs = 15000): TtyEvent => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events().find((e) => e.event === event);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`console receiver: no "${event}" within ${timeoutMs} ms; events: ${JSON.stringify(events())}\n${Buffer.concat(err).toString('utf8')}`);
      sleepSync(20);
    }
  };
  waitFor('listening');
  return {
    socket,
    output: () => (fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8').replace(/\r\n/g, '\n') : ''),
    events,
    waitFor,
    finished,
  };
}

function terminalBundle(args: string[], configure?: (c: OciConfig) => void): Bundle {
  return makeBundle({
    args,
    configure: (c) => {
      c.process!.terminal = true;
      configure?.(c);
    },
  });
}

function createCommand(rt: RuntimeUnderTest, id: string, bundle: Bundle, socket: string): string[] {
  return [rt.binary, '--root', rt.root, 'create', '--bundle', bundle.path, '--console-socket', socket, '--pid-file', path.join(rt.scratch, `${id}.pid`), id];
}

/** The runtime failed: non-zero exit, no crash or hang, and it said why. */
function expectError(result: { code: number | null; signal: string | null; timedOut: boolean; stderr: string; stdout: string }): string {
  expect({ timedOut: result.timedOut, signal: result.signal }).toEqual({ timedOut: false, signal: null });
  expect(result.code).not.toBe(0);
  const message = (result.stderr + result.stdout).trim();
  expect(message).not.toBe('');
  return message;
}

describe('process.terminal with --console-socket', () => {
  it('create sends the master; the shell sees /dev/pts/N, consoleSize and /dev/console, takes input and exits with its code', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('tty');
    const bundle = terminalBundle(['sh'], (c) => (c.process!.consoleSize = { height: 30, width: 100 }));
    rt.track(id, bundle);
    const script = 'echo "T=$(tty)"; echo "S=$(stty size)"; echo "C=$(stat -c %t:%T /dev/console) P=$(stat -c %t:%T $(tty))"; exit 3\n';
    // -w: type only once the shell printed its prompt.
    const receiver = startReceiver({ input: script, waitForOutput: true, command: (socket) => createCommand(rt, id, bundle, socket) });
    const created = receiver.waitFor('command');
    expect(created.code).toBe(0);
    const master = receiver.waitFor('master');
    // The message's text is informational (skiff and crun send the pts name, runc sends "/dev/ptmx").
    expect(typeof master.name).toBe('string');
    expect(master.isatty).toBe(1);
    // consoleSize is on the pty before the process starts.
    expect({ rows: master.rows, cols: master.cols }).toEqual({ rows: 30, cols: 100 });
    const pid = Number(fs.readFileSync(path.join(rt.scratch, `${id}.pid`), 'utf8').trim());
    expect(rt.state(id)).toMatchObject({ status: 'created', pid });

    ok(rt.start(id));
    const done = await receiver.finished;
    const out = receiver.output();
    expect(out).toMatch(/T=\/dev\/pts\/\d+/);
    if (String(master.name).startsWith('/dev/pts/')) expect(/T=(\/dev\/pts\/\d+)/.exec(out)![1]).toBe(master.name);
    expect(out).toMatch(/^S=30 100$/m);
    const consoleLine = /C=(\S+) P=(\S+)/.exec(out);
    expect(consoleLine).not.toBeNull();
    expect(consoleLine![1]).toBe(consoleLine![2]); // /dev/console is the pty (same device numbers)
    // The receiver was the init's parent (subreaper) and reaped it with the shell's code.
    const events = receiver.events();
    expect(events).toContainEqual({ event: 'reaped', pid, code: 3, signal: 0 });
    expect(events).toContainEqual({ event: 'done', timedOut: 0 });
    expect(done.code).toBe(0);
    expect(rt.state(id).status).toBe('stopped');
  });

  it('without consoleSize the pty still works and the process is a session leader with it as controlling terminal', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('ttyctl');
    // Field 7 of /proc/self/stat is tty_nr, 0 without a controlling terminal; field 6 the session id.
    const bundle = terminalBundle(['sh', '-c', 'set -- $(cat /proc/self/stat); echo "pid=$1 sid=$6 ttynr=$7"; echo "T=$(tty)"']);
    rt.track(id, bundle);
    const receiver = startReceiver({ command: (socket) => createCommand(rt, id, bundle, socket) });
    expect(receiver.waitFor('command').code).toBe(0);
    receiver.waitFor('master');
    ok(rt.start(id));
    await receiver.finished;
    const out = receiver.output();
    const m = /pid=(\d+) sid=(\d+) ttynr=(\d+)/.exec(out);
    expect(m).not.toBeNull();
    // `cat` is a child of sh, which is the session leader (pid 1 in the container).
    expect(m![2]).toBe('1');
    expect(Number(m![3])).not.toBe(0);
    expect(out).toMatch(/T=\/dev\/pts\/\d+/);
    expect(receiver.events().some((e) => e.event === 'reaped' && e.code === 0)).toBe(true);
  });

  it('run --detach with a console socket: the receiver gets the output', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('ttyrun');
    const receiver = startReceiver();
    const bundle = terminalBundle(['sh', '-c', 'echo hello-from-tty; tty']);
    ok(rt.run(id, bundle, { detach: true, consoleSocket: receiver.socket }));
    expect(receiver.waitFor('master').isatty).toBe(1);
    await receiver.finished;
    expect(receiver.output()).toMatch(/^hello-from-tty\n\/dev\/pts\/\d+\n$/);
    rt.waitForStatus(id, 'stopped');
  });

  it('create with process.terminal and no console socket fails with runc\'s message, and leaves nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('ttynosock');
    const bundle = terminalBundle(['sh']);
    const message = expectError(rt.create(id, bundle));
    expect(message).toMatch(/cannot allocate tty if (skiff|runc|crun) will detach without setting console socket/);
    expect(rt.tryState(id)).toBeUndefined();
  });

  it('create with a console socket but no terminal fails with runc\'s message', () => {
    const rt = e2e.runtime();
    const id = uniqueName('socknotty');
    const receiver = startReceiver({ timeoutSec: 5 });
    const message = expectError(rt.create(id, makeBundle({ args: ['true'] }), { consoleSocket: receiver.socket }));
    expect(message).toMatch(/cannot use console socket if (skiff|runc|crun) will not detach or allocate tty/);
    expect(rt.tryState(id)).toBeUndefined();
  });

  it('a console socket nobody listens on fails create cleanly', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nosock');
    const dir = scratchDir('tty');
    expectError(rt.create(id, terminalBundle(['true']), { consoleSocket: path.join(dir, 'missing.sock') }));
    expect(rt.tryState(id)).toBeUndefined();
  });
});

describe('exec with a terminal', () => {
  it('exec -t --console-socket -d: the exec\'d process gets its own pty', async () => {
    const rt = e2e.runtime();
    const id = uniqueName('exectty');
    ok(rt.run(id, makeBundle({ args: ['sleep', '1000'] }), { detach: true }));
    const receiver = startReceiver({ timeoutSec: 10 });
    ok(rt.exec(id, ['sh', '-c', 'echo "T=$(tty)"'], { extraArgs: ['-t', '-d', '--console-socket', receiver.socket] }));
    await receiver.finished;
    expect(receiver.output()).toMatch(/T=\/dev\/pts\/\d+/);
  });

});

describe('run with a terminal and no console socket', () => {
  it('run with a terminal and no console socket proxies the pty to its own stdio and exits with the code', () => {
    const rt = e2e.runtime();
    const result = rt.run(uniqueName('runtty'), terminalBundle(['sh', '-c', 'read line; echo "got $line on $(tty)"; exit 4']), { input: 'typed\n' });
    expect(result.stdout.replace(/\r\n/g, '\n')).toMatch(/got typed on \/dev\/pts\/\d+/);
    expect(result.code).toBe(4);
  });

  const tmux = haveTmux();
  (tmux ? it : it.skip)(`in a real terminal: typed commands, a resize seen inside, the exit code, the terminal restored${tmux ? '' : ' (skipped: tmux not installed)'}`, () => {
    const rt = e2e.runtime();
    const id = uniqueName('runtmux');
    const bundle = terminalBundle(['sh']);
    rt.track(id, bundle);
    const term = startTmux([rt.binary, '--root', rt.root, 'run', '--bundle', bundle.path, id], { cols: 100, rows: 30 }, e2e.cleanup);
    term.waitFor(/^\/ # ?$/m, 30000);
    term.typeLine('tty; stty size');
    term.waitFor(/^30 100\s*$/m);
    term.resize(90, 25);
    sleepSync(300);
    term.typeLine('stty size; exit 6');
    const pane = term.waitFor(/^EXIT=\d+/m, 20000);
    expect(pane).toMatch(/^\/dev\/pts\/\d+\s*$/m);
    expect(pane).toMatch(/^25 90\s*$/m);
    expect(pane).toMatch(/^EXIT=6\s*$/m);
    // The terminal is back in cooked mode: what is typed now (to the pane's `sleep`) is echoed,
    // which raw mode would not do.
    term.typeLine('typed-after-exit');
    expect(term.waitFor(/^typed-after-exit\s*$/m)).toBeTruthy();
  });
});
