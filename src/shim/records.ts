import * as path from 'path';
// Netstring records, the framing of the plan channel to skiff-init (native/PROTOCOL.md).

export interface PlanRecord {
  op: string;
  args: string[];
}

export function record(op: string, ...args: Array<string | number | bigint>): PlanRecord {
  return { op, args: args.map(String) };
}

/**
 * A plan built ahead, while skiff-init works: undefined if building it fails now. The caller builds
 * it again at the point where the error can be reported (skiff-init's process known, to be stopped).
 */
export function planAhead(build: () => PlanRecord[]): PlanRecord[] | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}

/** Records as netstrings, built as one string: a plan has hundreds of fields, a Buffer each was slow. */
export function encodeRecords(records: PlanRecord[]): Buffer {
  let text = '';
  const field = (s: string) => {
    text += `${Buffer.byteLength(s, 'utf8')}:${s},`;
  };
  for (const r of records) {
    field(r.op);
    field(String(r.args.length));
    for (const a of r.args) field(a);
  }
  return Buffer.from(text, 'utf8');
}

/**
 * An error skiff-init reported while it set up a container's process, worded as runc words the
 * errors of its own init ("unable to start container process: exec: ..."): clients match on it.
 */
export function initError(message: string): Error {
  return new Error(`unable to start container process: ${message}`);
}

/** Incremental decoder: feed it chunks, take whole records out. */
export class RecordDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private fields: string[] = [];

  push(chunk: Buffer): PlanRecord[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: PlanRecord[] = [];
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) break;
      const digits = this.buffer.subarray(0, colon).toString('latin1');
      if (!/^\d+$/.test(digits)) throw new Error('skiff-init sent a malformed record');
      const len = Number(digits);
      if (this.buffer.length < colon + 1 + len + 1) break;
      if (this.buffer[colon + 1 + len] !== 0x2c) throw new Error('skiff-init sent a malformed record');
      this.fields.push(this.buffer.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      this.buffer = this.buffer.subarray(colon + 1 + len + 1);
      const [op, count, ...args] = this.fields;
      if (count !== undefined && args.length === Number(count)) {
        out.push({ op, args });
        this.fields = [];
      }
    }
    return out;
  }
}

/**
 * A phase-1 record naming a UNIX socket as directory + name: skiff-init connects through the
 * directory's fd, so paths longer than sun_path's 108 bytes still work.
 */
export function socketRecord(op: string, socketPath: string): PlanRecord {
  const abs = path.resolve(socketPath);
  return record(op, path.dirname(abs), path.basename(abs));
}

/** Phase 1: skiff-init connects to the console socket before any namespace changes. */
export function consoleSocketRecords(socketPath: string | undefined): PlanRecord[] {
  return socketPath ? [socketRecord('console_socket', socketPath)] : [];
}
