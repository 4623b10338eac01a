import { spawn, ChildProcess, StdioOptions } from 'child_process';
import * as fs from 'fs';
import { shimPath } from './locate';
import { encodeRecords, PlanRecord, RecordDecoder } from './records';
import { log } from '../log';

export interface ShimOptions {
  /** Extra fds of ours (3..3+n-1) that the container gets at the same numbers. */
  preserveFds: number;
}

export interface ShimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A running skiff-init and the record channel to it.
 *
 * The channel is a pair of pipes that skiff-init makes at fds `base` and `base`+1 (native/main.c
 * open_channel); we open them through /proc/<pid>/fd, writing to the first and reading the second.
 * A piped stdio from child_process would do the same, but under bun it loads the socket and stream
 * machinery, which costs about 10 ms per create or exec. Reads run on the thread pool (fs.read),
 * so the event loop still hears the child's exit.
 */
export class ShimChannel {
  readonly child: ChildProcess;
  readonly exited: Promise<ShimExit>;
  private readonly base: number;
  private input = -1;
  private output = -1;
  private opened: Promise<void>;
  private exitSeen = false;
  private closed = false;
  private readonly queue: PlanRecord[] = [];
  private waiting: ((r: PlanRecord | null) => void) | null = null;
  private ended = false;

  constructor(opts: ShimOptions) {
    this.base = 3 + opts.preserveFds;
    const stdio: StdioOptions = ['inherit', 'inherit', 'inherit'];
    for (let fd = 3; fd < this.base; fd++) stdio.push(fd);
    // The channel's two numbers start closed in the child, whatever we inherited there.
    stdio.push('ignore', 'ignore');
    this.child = spawn(shimPath(), [], {
      stdio,
      env: { _SKIFF_SYNC_FD: String(this.base) },
      argv0: 'skiff-init',
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
      this.child.on('error', () => resolve({ code: 127, signal: null }));
    });
    this.exited.then(() => (this.exitSeen = true));
    this.opened = this.open();
  }

  /** Waits until skiff-init's channel is in place (base+1 is a pipe), then opens both ends. */
  private async open(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return this.finish();
    const outPath = `/proc/${pid}/fd/${this.base + 1}`;
    const startedAt = Date.now();
    for (;;) {
      if (this.exitSeen || this.closed) return this.finish();
      let target = '';
      try {
        target = fs.readlinkSync(outPath);
      } catch {
        // not there yet
      }
      if (target.startsWith('pipe:')) break;
      const waited = Date.now() - startedAt;
      await new Promise((resolve) => (waited < 5 ? setImmediate(resolve) : setTimeout(resolve, Math.min(waited / 4, 10))));
    }
    try {
      this.output = fs.openSync(outPath, fs.constants.O_RDONLY);
      this.input = fs.openSync(`/proc/${pid}/fd/${this.base}`, fs.constants.O_WRONLY);
    } catch {
      // skiff-init died meanwhile
      return this.finish();
    }
    this.readLoop();
  }

  private readLoop(): void {
    const decoder = new RecordDecoder();
    const buf = Buffer.alloc(65536);
    const fd = this.output;
    const more = (): void => {
      fs.read(fd, buf, 0, buf.length, null, (err, n) => {
        if (this.closed) return;
        if (err || n === 0) return this.finish();
        for (const r of decoder.push(Buffer.from(buf.subarray(0, n)))) this.deliver(r);
        more();
      });
    };
    more();
  }

  /** Sends records; resolves once they are written (the channel may still be opening). */
  async send(records: PlanRecord[]): Promise<void> {
    await this.opened;
    if (this.input < 0) return;
    const data = encodeRecords(records);
    try {
      for (let off = 0; off < data.length; ) off += fs.writeSync(this.input, data, off);
    } catch {
      // skiff-init is gone; its exit tells the rest
    }
  }

  /** The next record from skiff-init, or null once it closed the channel. */
  next(): Promise<PlanRecord | null> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Closes our writing end: skiff-init reads the rest and sees the end of the plan. */
  async endInput(): Promise<void> {
    await this.opened;
    if (this.input >= 0) fs.closeSync(this.input);
    this.input = -1;
  }

  close(): void {
    this.closed = true;
    if (this.input >= 0) fs.closeSync(this.input);
    // A read may still be waiting on the thread pool: the fd stays open until it returns, so
    // its number cannot be reused under it. It ends when skiff-init's end closes, or with us.
    this.input = -1;
    this.child.unref();
  }

  private deliver(r: PlanRecord): void {
    // skiff-init's notes for the log (`log <level> <message>`) are not part of the conversation.
    if (r.op === 'log') {
      const [level, message] = r.args;
      if (level === 'debug') log.debug(message);
      else log.warn(message);
      return;
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(r);
    } else this.queue.push(r);
  }

  private finish(): void {
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(null);
    }
  }
}
