/**
 * `skiff events ID`: resource statistics as runc prints them, one JSON object per line:
 * {"type":"stats","id":ID,"data":{cpu, cpuset, memory, pids, blkio, hugetlb, ...}}. With --stats
 * once; otherwise every --interval, with {"type":"oom","id":ID} whenever the container hits its
 * memory limit, until the container's cgroup is removed (by delete).
 */
import { writeOut } from '../log/write-all';
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { liveStatus } from '../container/status';
import { cgroupExists, collectStats, oomSnapshot, toJson } from '../cgroups/stats';
import { RuntimeError } from './errors';
import { log } from '../log';

/** How often the OOM counters are looked at (v1 has no inotify on them). */
const OOM_POLL_MS = 100;

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  const { dir, state } = await loadContainer(g.root, id);
  if ((await liveStatus(dir, state)) === 'stopped') throw new RuntimeError(`container with id ${id} is not running`);
  const placement = state.cgroup;
  if (!placement) throw new RuntimeError(`container with id ${id} has no cgroup`);
  const interval = Number(opts.interval);
  if (!(interval > 0)) throw new RuntimeError('duration interval must be greater than 0');

  const emit = (event: object) => writeOut(`${toJson(event)}\n`);
  const stats = () => ({ type: 'stats', id, data: collectStats(placement) });
  if (opts.stats) {
    emit(stats());
    return 0;
  }

  return new Promise<number>((resolve) => {
    let last = oomSnapshot(placement);
    const finish = (code: number) => {
      clearInterval(statsTimer);
      clearInterval(oomTimer);
      resolve(code);
    };
    process.stdout.on('error', () => finish(0)); // the reader went away
    const statsTimer = setInterval(() => {
      if (!cgroupExists(placement)) return finish(0);
      try {
        emit(stats());
      } catch (e: any) {
        log.error(e.message);
      }
    }, interval);
    const oomTimer = setInterval(() => {
      if (!cgroupExists(placement)) return finish(0);
      const now = oomSnapshot(placement);
      if (now && last && (now.kills > last.kills || (now.under && !last.under))) emit({ type: 'oom', id });
      last = now ?? last;
    }, Math.min(OOM_POLL_MS, interval));
  });
}
