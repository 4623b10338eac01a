/**
 * One pause of a poll for skiff-init's channel to appear, leaving the event loop free:
 * setImmediate turns while the wait is young, since the answer usually comes within a few
 * milliseconds, then timers that lengthen with the wait (a loaded machine), up to 10 ms.
 */
export function pollPause(startedAt: number, spinMs: number): Promise<void> {
  const waited = Date.now() - startedAt;
  if (waited < spinMs) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, Math.min(waited / 4, 10)));
}
