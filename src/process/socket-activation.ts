/**
 * systemd socket activation passes listening sockets as fds 3.. with LISTEN_FDS and LISTEN_PID
 * naming us. runc hands them on to the container's process (before any --preserve-fds) and tells
 * it with LISTEN_FDS and LISTEN_PID=1; so do we.
 */
export function activationFds(env = process.env, pid = process.pid): number {
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count <= 0 || Number(env.LISTEN_PID) !== pid) return 0;
  return count;
}

export function activationEnv(count: number): string[] {
  return count ? [`LISTEN_FDS=${count}`, 'LISTEN_PID=1'] : [];
}
