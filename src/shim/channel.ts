import { spawn, ChildProcess, StdioOptions } from 'child_process';
import { Socket } from 'net';
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

/** A running skiff-init and the record channel to it. */
export class ShimChannel {
  readonly child: ChildProcess;
  readonly exited: Promise<ShimExit>;
  private readonly socket: Socket;
  private readonly queue: PlanRecord[] = [];
  private waiting: ((r: PlanRecord | null) => void) | null = null;
  private ended = false;

  constructor(opts: ShimOptions) {
    const syncFd = 3 + opts.preserveFds;
    const stdio: StdioOptions = ['inherit', 'inherit', 'inherit'];
    for (let fd = 3; fd < syncFd; fd++) stdio.push(fd);
    stdio.push('pipe');
    this.child = spawn(shimPath(), [], {
      stdio,
      env: { _SKIFF_SYNC_FD: String(syncFd) },
      argv0: 'skiff-init',
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
      this.child.on('error', () => resolve({ code: 127, signal: null }));
    });
    this.socket = this.child.stdio[syncFd] as Socket;
    const decoder = new RecordDecoder();
    this.socket.on('data', (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) this.deliver(r);
    });
    this.socket.on('close', () => this.finish());
    this.socket.on('error', () => this.finish());
  }

  send(records: PlanRecord[]): void {
    if (!this.socket.destroyed) this.socket.write(encodeRecords(records));
  }

  /** The next record from skiff-init, or null once it closed the channel. */
  next(): Promise<PlanRecord | null> {
    const r = this.queue.shift();
    if (r) return Promise.resolve(r);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Half-close: skiff-init reads the rest and sees the end of the plan. */
  endInput(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
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
