/** writeAll: every byte of a string reaches the fd, also when the pipe takes it in parts. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeAll } from '../../src/log/write-all';
import { useScratch } from './scratch';

const fx = useScratch('skiff-write-all-');

test('a string with multi-byte characters lands whole in a file', () => {
  const file = path.join(fx.tmp, 'out');
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, 'état: créé ✓\n');
  } finally {
    fs.closeSync(fd);
  }
  expect(fs.readFileSync(file, 'utf8')).toBe('état: créé ✓\n');
});

test('a string larger than a pipe, written to a non-blocking pipe, arrives whole and in order', async () => {
  // 300 KB of two- and three-byte characters: the first write stops at the pipe's 64 KB, likely
  // inside a character, and the rest must continue from that byte, not that character.
  const text = 'ü✓'.repeat(60000) + '\n';
  const fifo = path.join(fx.tmp, 'fifo');
  const out = path.join(fx.tmp, 'out');
  const made = spawn('mkfifo', [fifo]);
  await new Promise((resolve) => made.on('exit', resolve));
  const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, out]);
  fx.children.push(reader);
  const readerDone = new Promise((resolve) => reader.on('exit', resolve));
  const fd = await openWhenReaderIsThere(fifo);
  try {
    writeAll(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  await readerDone;
  const received = fs.readFileSync(out, 'utf8');
  expect(received.length).toBe(text.length);
  expect(received === text).toBe(true); // not toBe(text): a 300 KB diff would drown the report
});

/** A non-blocking write end of the fifo, opened once the reader has opened it (ENXIO until then). */
async function openWhenReaderIsThere(fifo: string): Promise<number> {
  for (;;) {
    try {
      return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
