import * as fs from 'fs';

/**
 * Writes all of text to fd synchronously. skiff prints with this rather than process.stdout:
 * the stream objects cost milliseconds to set up, and a synchronous write cannot be lost at exit.
 */
export function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  let off = 0;
  let spins = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off);
    } catch (err) {
      // A non-blocking pipe can be momentarily full; anything else drops the rest.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || ++spins > 100000) return;
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);
