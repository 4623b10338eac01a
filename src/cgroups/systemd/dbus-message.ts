/**
 * The D-Bus wire format, as much of it as talking to systemd's manager needs: method calls out,
 * method returns and errors in (little-endian). A value of a variant is written as
 * [signature, value]; a struct or an array as a JS array; uint64 ('t') takes a number or a bigint.
 *
 * There is no well-kept D-Bus library for Node to lean on, and skiff makes two calls
 * (StartTransientUnit, StopUnit), so this is written out here.
 */

export type DbusValue = string | number | bigint | boolean | DbusValue[];

export interface MethodCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature: string;
  body: DbusValue[];
}

export interface ReceivedMessage {
  type: number;
  replySerial?: number;
  errorName?: string;
  signature: string;
  /** The first string of the body (an error's message), when the body starts with one. */
  firstString?: string;
}

export const MESSAGE_TYPE = { methodCall: 1, methodReturn: 2, error: 3, signal: 4 } as const;

const HEADER_FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, signature: 8 } as const;

/** The complete types of a signature: "sa(sv)" -> ["s", "a(sv)"]. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sig.length) {
    const end = completeTypeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

function completeTypeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return completeTypeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${sig}`);
      j = completeTypeEnd(sig, j);
    }
    return j + 1;
  }
  if (!'ybnqiuxtdsogvh'.includes(c)) throw new Error(`bad D-Bus signature ${sig}`);
  return i + 1;
}

function alignmentOf(type: string): number {
  switch (type[0]) {
    case 'y': case 'g': case 'v': return 1;
    case 'n': case 'q': return 2;
    case 'x': case 't': case 'd': case '(': case '{': return 8;
    default: return 4;
  }
}

class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  byte(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.length++);
  }

  uint32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  uint32At(offset: number, v: number): void {
    this.buf.writeUInt32LE(v, offset);
  }

  raw(data: Buffer): void {
    this.room(data.length);
    data.copy(this.buf, this.length);
    this.length += data.length;
  }

  value(type: string, v: DbusValue): void {
    switch (type[0]) {
      case 'y': this.byte(Number(v)); return;
      case 'b': this.uint32(v ? 1 : 0); return;
      case 'u': this.uint32(Number(v)); return;
      case 'i': this.align(4); this.room(4); this.buf.writeInt32LE(Number(v), this.length); this.length += 4; return;
      case 't': this.align(8); this.room(8); this.buf.writeBigUInt64LE(BigInt(v as number | bigint), this.length); this.length += 8; return;
      case 'x': this.align(8); this.room(8); this.buf.writeBigInt64LE(BigInt(v as number | bigint), this.length); this.length += 8; return;
      case 's': case 'o': {
        const data = Buffer.from(String(v), 'utf8');
        this.uint32(data.length);
        this.raw(data);
        this.byte(0);
        return;
      }
      case 'g': {
        const data = Buffer.from(String(v), 'ascii');
        this.byte(data.length);
        this.raw(data);
        this.byte(0);
        return;
      }
      case 'v': {
        const [sig, inner] = v as [string, DbusValue];
        this.value('g', sig);
        this.value(sig, inner);
        return;
      }
      case '(': {
        this.align(8);
        const fields = splitSignature(type.slice(1, -1));
        const items = v as DbusValue[];
        fields.forEach((f, i) => this.value(f, items[i]));
        return;
      }
      case 'a': {
        const element = type.slice(1);
        this.uint32(0);
        const lengthAt = this.length - 4;
        // The length counts from the first element, after its alignment padding.
        this.align(alignmentOf(element));
        const start = this.length;
        for (const item of v as DbusValue[]) this.value(element, item);
        this.uint32At(lengthAt, this.length - start);
        return;
      }
      default:
        throw new Error(`D-Bus type ${type} is not supported`);
    }
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** One method call, serialised. */
export function encodeMethodCall(call: MethodCall, serial: number): Buffer {
  const body = new Writer();
  splitSignature(call.signature).forEach((t, i) => body.value(t, call.body[i]));
  const fields: DbusValue[] = [
    [HEADER_FIELD.path, ['o', call.path]],
    [HEADER_FIELD.interface, ['s', call.interface]],
    [HEADER_FIELD.member, ['s', call.member]],
    [HEADER_FIELD.destination, ['s', call.destination]],
  ];
  if (call.signature) fields.push([HEADER_FIELD.signature, ['g', call.signature]]);
  const head = new Writer();
  head.byte('l'.charCodeAt(0));
  head.byte(MESSAGE_TYPE.methodCall);
  head.byte(0);
  head.byte(1);
  head.uint32(body.length);
  head.uint32(serial);
  head.value('a(yv)', fields);
  head.align(8);
  return Buffer.concat([head.result(), body.result()]);
}

/** The length of the first whole message in buf, or 0 if it is not all there yet. */
export function messageLength(buf: Buffer): number {
  if (buf.length < 16) return 0;
  if (buf[0] !== 'l'.charCodeAt(0)) throw new Error('D-Bus: only little-endian messages are understood');
  const bodyLength = buf.readUInt32LE(4);
  const fieldsLength = buf.readUInt32LE(12);
  const headerLength = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8);
  const total = headerLength + bodyLength;
  return buf.length >= total ? total : 0;
}

/** Reads the header of one whole message (and the first string of its body, if any). */
export function decodeMessage(buf: Buffer): ReceivedMessage {
  const msg: ReceivedMessage = { type: buf[1], signature: '' };
  const fieldsLength = buf.readUInt32LE(12);
  let off = 16;
  const end = 16 + fieldsLength;
  const align = (n: number) => (off += (n - (off % n)) % n);
  const readString = (): string => {
    align(4);
    const len = buf.readUInt32LE(off);
    const s = buf.toString('utf8', off + 4, off + 4 + len);
    off += 4 + len + 1;
    return s;
  };
  const readSignature = (): string => {
    const len = buf[off];
    const s = buf.toString('ascii', off + 1, off + 1 + len);
    off += len + 2;
    return s;
  };
  while (off < end) {
    align(8);
    const code = buf[off++];
    const sig = readSignature();
    let value: string | number;
    if (sig === 's' || sig === 'o') value = readString();
    else if (sig === 'g') value = readSignature();
    else if (sig === 'u') {
      align(4);
      value = buf.readUInt32LE(off);
      off += 4;
    } else throw new Error(`D-Bus: unexpected header field type ${sig}`);
    if (code === HEADER_FIELD.errorName) msg.errorName = String(value);
    else if (code === HEADER_FIELD.replySerial) msg.replySerial = Number(value);
    else if (code === HEADER_FIELD.signature) msg.signature = String(value);
  }
  off = end + ((8 - (end % 8)) % 8);
  if (msg.signature.startsWith('s') && off + 4 <= buf.length) msg.firstString = readString();
  return msg;
}
