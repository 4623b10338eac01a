import * as fs from 'fs';
import { shimPath } from './locate';
import { FdSlot, ShimExit, SpawnedShim, spawnShim } from './spawn';
import { pollPause } from './poll-pause';
import { encodeRecords, PlanRecord, RecordDecoder } from './records';
import { log } from '../log';

export interface ShimOptions {
  /** Extra fds of ours (3..3+n-1) that the container gets at the same numbers. */
  preserveFds: number;
}

export type { ShimExit } from './spawn';

/**
 * A running skiff-init and the record channel to it.
 *
 * The channel is a pair of pipes that skiff-init makes at fds `base` and `base`+1 (native/main.c
 * open_channel); we open them through /proc/<pid>/fd, writing to the first and reading the second.
 * A piped stdio from child_process would do the same, but under bun it loads the socket and stream
 * machinery, which costs about 10 ms per create or exec.
 */
export class ShimChannel {
  readonly child: SpawnedShim;
  readonly exited: Promise<ShimExit>;
  private readonly base: number;
  private input = -1;
  private output = -1;
  private opened: Promise<void>;
  private exitSeen = false;
  private sentAny = false;
  private closed = false;
  private readonly queue: PlanRecord[] = [];
  private readonly decoder = new RecordDecoder();
  private ended = false;

  constructor(opts: ShimOptions) {
    this.base = 3 + opts.preserveFds;
    const stdio: FdSlot[] = ['inherit', 'inherit', 'inherit'];
    for (let fd = 3; fd < this.base; fd++) stdio.push(fd);
    // The channel's four numbers start closed in the child, whatever we inherited there.
    stdio.push('ignore', 'ignore', 'ignore', 'ignore');
    // _SKIFF_PARENT: skiff-init dies with us until our first record (native/main.c).
    this.child = spawnShim(shimPath(), 'skiff-init', stdio, { _SKIFF_SYNC_FD: String(this.base), _SKIFF_PARENT: String(process.pid) });
    this.exited = this.child.exited;
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
      await pollPause(startedAt, 5);
    }
    try {
      this.output = fs.openSync(outPath, fs.constants.O_RDONLY);
      this.input = fs.openSync(`/proc/${pid}/fd/${this.base}`, fs.constants.O_WRONLY);
    } catch {
      // skiff-init died meanwhile
      return this.finish();
    }
  }

  /**
   * Reads until a record is complete or skiff-init's side is closed. Blocking is safe: we read
   * only when a reply is due, and every writer is a skiff-init process, whose death ends the read.
   */
  private readRecord(): void {
    const buf = Buffer.alloc(65536);
    while (!this.ended && this.queue.length === 0) {
      let n = 0;
      try {
        n = fs.readSync(this.output, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EINTR' || (e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      }
      if (n <= 0) return this.finish();
      for (const r of this.decoder.push(Buffer.from(buf.subarray(0, n)))) this.deliver(r);
    }
  }

  /** Sends records; resolves once they are written (the channel may still be opening). */
  async send(records: PlanRecord[]): Promise<void> {
    await this.opened;
    if (this.input < 0) return;
    const data = encodeRecords(records);
    this.sentAny = true;
    try {
      for (let off = 0; off < data.length; ) off += fs.writeSync(this.input, data, off);
    } catch {
      // skiff-init is gone; its exit tells the rest
    }
  }

  /** The next record from skiff-init, or null once it closed the channel. */
  async next(): Promise<PlanRecord | null> {
    await this.opened;
    if (this.queue.length === 0 && !this.ended && this.output >= 0) this.readRecord();
    return this.queue.shift() ?? null;
  }

  /** Closes our writing end: skiff-init reads the rest and sees the end of the plan. */
  async endInput(): Promise<void> {
    await this.opened;
    if (this.input >= 0) fs.closeSync(this.input);
    this.input = -1;
  }

  /**
   * After a failure: kills skiff-init (if it is still there) and waits until it is reaped, then
   * closes. Where nobody reaps orphans, a skiff-init left to exit after us would stay a zombie.
   */
  async stop(): Promise<void> {
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
    this.close();
  }

  close(): void {
    // Until its first record, skiff-init holds the other end of its input itself (so that our
    // open cannot block): it would wait for a plan forever.
    if (!this.sentAny && !this.exitSeen) this.child.kill('SIGKILL');
    this.closed = true;
    if (this.input >= 0) fs.closeSync(this.input);
    if (this.output >= 0) fs.closeSync(this.output);
    this.input = this.output = -1;
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
    this.queue.push(r);
  }

  private finish(): void {
    this.ended = true;
  }
}

/**
 * Starts skiff-init first, so that its start-up overlaps the caller's checks, and hands it to use;
 * if use fails, skiff-init is stopped (killed and reaped) before the error goes on.
 */
export async function withShim<T>(opts: ShimOptions, use: (shim: ShimChannel) => Promise<T>): Promise<T> {
  const shim = new ShimChannel(opts);
  try {
    return await use(shim);
  } catch (e) {
    await shim.stop();
    throw e;
  }
}
