/**
 * A D-Bus connection over a UNIX socket: EXTERNAL authentication (our uid), then method calls
 * answered in order. Used only with --systemd-cgroup, so its socket code stays off every other path.
 */
import * as net from 'net';
import { decodeMessage, encodeMethodCall, messageLength, MESSAGE_TYPE, MethodCall, ReceivedMessage } from './dbus-message';

/** Where systemd's manager answers: its private socket (root, no bus daemon needed), else the system bus. */
export interface DbusAddress {
  socketPath: string;
  /** A bus (not a peer-to-peer socket) wants Hello first. */
  isBus: boolean;
}

export class DbusConnection {
  private buffered = Buffer.alloc(0);
  private serial = 0;
  private readonly waiting = new Map<number, { resolve: (m: ReceivedMessage) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    socket.on('error', (e) => fail(new Error(`D-Bus: ${e.message}`)));
    socket.on('close', () => fail(new Error('D-Bus: connection closed')));
  }

  static async open(address: DbusAddress, timeoutMs = 5000): Promise<DbusConnection> {
    const socket = net.createConnection(address.socketPath);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${address.socketPath}`)));
    await authenticate(socket, address.socketPath);
    const conn = new DbusConnection(socket);
    if (address.isBus) {
      await conn.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello', signature: '', body: [] });
    }
    return conn;
  }

  /** Calls a method; resolves with the reply, rejects with the D-Bus error's name and message. */
  call(call: MethodCall): Promise<ReceivedMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const serial = ++this.serial;
    return new Promise((resolve, reject) => {
      this.waiting.set(serial, {
        resolve: (m) => (m.type === MESSAGE_TYPE.error ? reject(new Error(`${m.errorName}: ${m.firstString ?? ''}`)) : resolve(m)),
        reject,
      });
      this.socket.write(encodeMethodCall(call, serial));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (let len = messageLength(this.buffered); len > 0; len = messageLength(this.buffered)) {
      const msg = decodeMessage(this.buffered.subarray(0, len));
      this.buffered = this.buffered.subarray(len);
      // Signals (NameAcquired on a bus) and anything not ours are skipped.
      const w = msg.replySerial !== undefined ? this.waiting.get(msg.replySerial) : undefined;
      if (!w) continue;
      this.waiting.delete(msg.replySerial!);
      w.resolve(msg);
    }
  }
}

/** SASL EXTERNAL: the server checks our uid on the socket itself. */
function authenticate(socket: net.Socket, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const onData = (d: Buffer) => {
      reply += d.toString('latin1');
      if (!reply.includes('\r\n')) return;
      socket.off('data', onData);
      socket.off('error', reject);
      if (!reply.startsWith('OK ')) return reject(new Error(`D-Bus authentication at ${where} refused: ${reply.trim()}`));
      socket.write('BEGIN\r\n');
      resolve();
    };
    socket.on('data', onData);
    socket.on('error', reject);
    const uid = String(process.geteuid ? process.geteuid() : 0);
    socket.write(`\0AUTH EXTERNAL ${Buffer.from(uid, 'ascii').toString('hex')}\r\n`);
  });
}
