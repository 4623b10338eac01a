/**
 * Why a requirement has no case. Keyed by requirement id; `autoNote` covers
 * whole families (field declarations, annotation value rules) by pattern.
 */
import { Requirement } from './requirements';

export interface Note {
  status: 'not testable' | 'not yet tested';
  reason: string;
}

const AUTHOR = 'a rule for whoever writes config.json, not for the runtime';

const NT = (reason: string): Note => ({ status: 'not testable', reason });
const TODO = (reason: string): Note => ({ status: 'not yet tested', reason });

const RDT = TODO('needs Intel RDT hardware with resctrl mounted; this host has none (the no-resctrl error is intelRdt/without-resctrl-errors)');
const V2 = TODO('needs a cgroup v2 (unified) host with delegation; this host is hybrid (v1 controllers), and the v1 rule is cgroups/v1-ownership-is-not-changed');

export const NOTES: Record<string, Note> = {
  'config/configRoot/6': NT(AUTHOR),
  'config/configMounts/3': NT(AUTHOR),
  'config/configLinuxMountOptions/1': NT('heading of the option table; each row is its own requirement with a mount-options/* case'),
  'config/configLinuxMountOptions/60': NT('how the runtime calls mount(2) is not observable; a leaked idmap option would make the mount fail, caught by mount-options/idmap-*'),
  'config/configLinuxMountOptions/67': NT('as for idmap: not observable; caught by mount-options/ridmap-* if it breaks the mount'),
  'config/configLinuxMountOptions/64': NT('implementation advice (which syscall); the effect is checked by mount-options/idmap-applies-the-mount-mappings'),
  'config/configLinuxMountOptions/71': NT('implementation advice (which syscall); the effect is checked by mount-options/ridmap-applies-the-mount-mappings'),
  'config/configLinuxMountOptions/73': NT('custom options are runtime-specific; the listed options are checked one by one against mount(8) semantics'),
  'config/configPOSIXMounts/2': NT(AUTHOR),
  'config/configPOSIXMounts/4': NT('implementation advice (which syscall); the effect is checked by mount-options/idmap-*'),
  'config/configPOSIXMounts/5': NT(AUTHOR),
  'config/configLinuxProcess/1': NT('how or whether a warning is shown is unspecified (runtime.md "Warnings"); not observable'),
  'config/configLinuxProcess/8': NT('execCPUAffinity applies to exec, which is not an operation of the spec'),
  'config/configAnnotations/4': NT(AUTHOR),
  'config/configAnnotations/5': NT(AUTHOR),
  'config/configAnnotations/14': NT('a rule for future versions of the specification'),
  'config-linux/configLinuxDevices/6': NT(AUTHOR),
  'config-linux/namespace-lifecycle-and-container-termination/1': NT('"not actively manage" has no observable contract beyond not moving devices back (netDevices/not-moved-back-before-deletion)'),
  'config-linux/configLinuxControlGroups/1': NT('the check itself is optional (MAY); whether a runtime checks cannot be asked from outside'),
  'config-linux/configLinuxCgroupsPath/4': NT('which cgroupsPath values a runtime considers invalid is up to the runtime'),
  'config-linux/cgroup-ownership/2': V2,
  'config-linux/cgroup-ownership/3': V2,
  'config-linux/cgroup-ownership/4': V2,
  'config-linux/cgroup-ownership/5': V2,
  'config-linux/cgroup-ownership/6': V2,
  'config-linux/cgroup-ownership/7': V2,
  'config-linux/cgroup-ownership/8': V2,
  'config-linux/configLinuxMemory/1': NT('NOT RECOMMENDED field: advice to config authors'),
  'config-linux/configLinuxMemory/2': NT('NOT RECOMMENDED field: advice to config authors'),
  'config-linux/configLinuxMemory/3': NT('checkBeforeUpdate concerns updating limits, which is not an operation of the spec'),
  'config-linux/configLinuxCPU/1': NT(`${AUTHOR} (runtimes MAY reject it)`),
  'config-linux/configLinuxCPU/2': NT(`${AUTHOR} (runtimes MAY reject it)`),
  'config-linux/configLinuxBlockIO/2': NT(AUTHOR),
  'config-linux/configLinuxRDMA/1': NT(AUTHOR),
  'config-linux/configLinuxUnified/4': TODO('needs a cgroup v2 host where a v1-style resource can be converted; this host is hybrid'),
  'config-linux/configLinuxIntelRdt/1': RDT,
  'config-linux/configLinuxIntelRdt/3': RDT,
  'config-linux/configLinuxIntelRdt/4': RDT,
  'config-linux/configLinuxIntelRdt/5': NT(AUTHOR),
  'config-linux/configLinuxIntelRdt/6': NT(AUTHOR),
  'config-linux/configLinuxIntelRdt/7': NT(AUTHOR),
  'config-linux/configLinuxIntelRdt/8': NT('heading of the rule list below; each rule is its own requirement'),
  'config-linux/configLinuxIntelRdt/9': RDT,
  'config-linux/configLinuxIntelRdt/10': RDT,
  'config-linux/configLinuxIntelRdt/11': RDT,
  'config-linux/configLinuxIntelRdt/12': RDT,
  'config-linux/configLinuxIntelRdt/13': RDT,
  'config-linux/configLinuxIntelRdt/14': RDT,
  'config-linux/configLinuxIntelRdt/15': RDT,
  'config-linux/configLinuxIntelRdt/16': RDT,
  'config-linux/configLinuxIntelRdt/17': RDT,
  'config-linux/configLinuxIntelRdt/18': RDT,
  'config-linux/configLinuxIntelRdt/19': RDT,
  'config-linux/configLinuxIntelRdt/20': RDT,
  'config-linux/configLinuxIntelRdt/21': RDT,
  'config-linux/configLinuxIntelRdt/22': RDT,
  'config-linux/configLinuxIntelRdt/23': RDT,
  'config-linux/configLinuxIntelRdt/24': RDT,
  'features/features/1': NT('when the structure is computed cannot be seen from outside'),
  'features/features/2': NT('a rule for readers of the structure, not something a runtime does'),
  'runtime/runtimeState/5': NT('new status values are runtime-defined; state/matches-state-schema checks the values a runtime reports'),
};

export function autoNote(req: Requirement): Note | undefined {
  const onlyRequired = req.keywords.length === 1 && req.keywords[0] === 'REQUIRED';
  if (onlyRequired && /^config/.test(req.file)) {
    return {
      status: 'not testable',
      reason: `field declaration (${AUTHOR}); runtimes rejecting invalid configs is config/valid-values`,
    };
  }
  if (/^`org\.opencontainers\.image\./.test(req.text)) {
    return { status: 'not testable', reason: `annotation value rule (${AUTHOR})` };
  }
  return undefined;
}
