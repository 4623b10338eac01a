/**
 * Settings skiff does not carry out yet. The spec says a runtime MUST fail on a setting it cannot
 * apply rather than ignore it, so create refuses them before making anything.
 */
const UNSUPPORTED: Array<[string, (config: any) => unknown]> = [
  ['process.scheduler', (c) => c.process?.scheduler],
  ['process.ioPriority', (c) => c.process?.ioPriority],
  ['process.execCPUAffinity', (c) => c.process?.execCPUAffinity],
  ['linux.personality', (c) => c.linux?.personality],
  ['linux.memoryPolicy', (c) => c.linux?.memoryPolicy],
  ['linux.netDevices', (c) => c.linux?.netDevices && Object.keys(c.linux.netDevices).length],
  ['linux.intelRdt', (c) => c.linux?.intelRdt],
];

export function checkUnsupported(config: any): void {
  for (const [field, get] of UNSUPPORTED)
    if (get(config)) throw new Error(`${field}: not supported by skiff yet`);
}
