/**
 * Runs last (see test/helpers/sequencer.js): after every other file of this run
 * tore down, nothing this run named may be left on the host: no temp dirs
 * (bundles, state roots), no mounts below them, no cgroups named after test
 * containers, no processes of test containers, and no state dirs in the
 * runtimes' default roots.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cgroupsMentioning, mountsMentioning, processesMentioning, RUN_PREFIX, settled, tempDirsOfRun } from '../helpers';

describe(`nothing of this test run (${RUN_PREFIX}) is left on the host`, () => {
  it('no temp dirs (bundles, state roots, scratch dirs)', () => {
    expect(settled(tempDirsOfRun)).toEqual([]);
  });

  it('no mounts below test dirs', () => {
    expect(settled(() => mountsMentioning([RUN_PREFIX]))).toEqual([]);
  });

  it('no cgroups named after test containers', () => {
    expect(settled(() => cgroupsMentioning([RUN_PREFIX]))).toEqual([]);
  });

  it('no processes of test containers', () => {
    expect(settled(() => processesMentioning([RUN_PREFIX]))).toEqual([]);
  });

  it('no state dirs of test containers in the default state roots', () => {
    const left: string[] = [];
    for (const root of ['/run/skiff', '/run/runc', '/run/crun']) {
      if (!fs.existsSync(root)) continue;
      for (const name of fs.readdirSync(root)) if (name.includes(RUN_PREFIX)) left.push(path.join(root, name));
    }
    expect(left).toEqual([]);
  });
});
