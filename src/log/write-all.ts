import { fs } from '../sys/lazy-builtins';

/**
 * Writes all of text to fd synchronously. skiff prints with this rather than process.stdout:
 * the stream objects cost milliseconds to set up, and a synchronous write cannot be lost at exit.
 * The string is written as is: under bun the first Buffer.from of a call costs ~0.15 ms, so a
 * Buffer is made only to finish a partial write.
 */
export function writeAll(fd: number, text: string): void {
  let written: number;
  try {
    written = fs.writeSync(fd, text);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    written = 0;
  }
  if (written < Buffer.byteLength(text)) writeRest(fd, Buffer.from(text), written);
}

/** The rest of data from off, retrying while a non-blocking pipe is momentarily full. */
function writeRest(fd: number, data: Buffer, off: number): void {
  let spins = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off);
    } catch (err) {
      // Anything but a full pipe drops the rest.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || ++spins > 100000) return;
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);
