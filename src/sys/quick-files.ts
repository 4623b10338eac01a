/**
 * The few file operations `state` and `kill` need, done without node:fs when running under bun.
 *
 * bun builds node:fs from source when it is first loaded (~1 ms, more than all the rest of
 * `skiff state`), while its own Bun.file and Bun.write are there at no cost. So under bun these go
 * through Bun.file/Bun.write, and under node (jest, `node dist/src/main.js`) through node:fs.
 * Results are promises either way, since Bun.file reads are asynchronous.
 */
import { fs } from './lazy-builtins';
import { writeOut } from '../log/write-all';

interface BunFileApi {
  file(path: string): { stream(): unknown; exists(): Promise<boolean> };
  readableStreamToText(stream: unknown): Promise<string>;
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
}

const bun = (globalThis as { Bun?: BunFileApi }).Bun;

/** The file's text (UTF-8); rejects with node's error codes (ENOENT, ...) in both runtimes. */
export async function readText(file: string): Promise<string> {
  // Bun.file().text() would start bun's thread pool (~0.3 ms more); a stream is read on this thread.
  return bun ? bun.readableStreamToText(bun.file(file).stream()) : fs.readFileSync(file, 'utf8');
}

/** Whether a file exists. Not for directories: Bun.file(dir).exists() is false. */
export async function fileExists(file: string): Promise<boolean> {
  return bun ? bun.file(file).exists() : fs.existsSync(file);
}

/** Writes all of text to stdout before resolving; a closed stdout is ignored, as writeOut does. */
export async function printOut(text: string): Promise<void> {
  if (!bun) {
    writeOut(text);
    return;
  }
  try {
    await bun.write(bun.stdout, text);
  } catch {
    // nobody is reading
  }
}
