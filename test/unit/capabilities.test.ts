/** Capability names to masks, and the process's own bounding set. */
import { CAPABILITY_NAMES, capabilityMasks, ownBoundingSet } from '../../src/process/capabilities';

const ALL = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;
const bit = (name: string) => 1n << BigInt(CAPABILITY_NAMES.indexOf(name));

describe('CAPABILITY_NAMES', () => {
  test('kernel bit numbers', () => {
    expect(CAPABILITY_NAMES).toHaveLength(41);
    expect(CAPABILITY_NAMES.indexOf('CAP_CHOWN')).toBe(0);
    expect(CAPABILITY_NAMES.indexOf('CAP_KILL')).toBe(5);
    expect(CAPABILITY_NAMES.indexOf('CAP_NET_BIND_SERVICE')).toBe(10);
    expect(CAPABILITY_NAMES.indexOf('CAP_SYS_ADMIN')).toBe(21);
    expect(CAPABILITY_NAMES.indexOf('CAP_MKNOD')).toBe(27);
    expect(CAPABILITY_NAMES.indexOf('CAP_AUDIT_READ')).toBe(37);
    expect(CAPABILITY_NAMES.indexOf('CAP_CHECKPOINT_RESTORE')).toBe(40);
    expect(new Set(CAPABILITY_NAMES).size).toBe(CAPABILITY_NAMES.length);
  });
});

describe('capabilityMasks', () => {
  test('each set becomes its own mask; absent sets are empty', () => {
    const warnings: string[] = [];
    const masks = capabilityMasks(
      {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_KILL'],
        permitted: ['CAP_KILL', 'CAP_CHOWN', 'CAP_CHECKPOINT_RESTORE'],
        inheritable: ['CAP_CHECKPOINT_RESTORE'],
        ambient: ['CAP_CHECKPOINT_RESTORE'],
      },
      ALL,
      (m) => warnings.push(m),
    );
    expect(masks).toEqual({
      bounding: bit('CAP_CHOWN') | bit('CAP_KILL') | bit('CAP_NET_BIND_SERVICE'),
      effective: bit('CAP_KILL'),
      permitted: bit('CAP_KILL') | 1n | (1n << 40n),
      inheritable: 1n << 40n,
      ambient: 1n << 40n,
    });
    expect(warnings).toEqual([]);
  });

  test('names are case-insensitive; repeats are harmless', () => {
    const masks = capabilityMasks({ effective: ['cap_kill', 'CAP_KILL', 'Cap_Sys_Admin'] }, ALL, () => {});
    expect(masks.effective).toBe(bit('CAP_KILL') | bit('CAP_SYS_ADMIN'));
  });

  test('unknown names and names without CAP_ are warned about and left out', () => {
    const warnings: string[] = [];
    const masks = capabilityMasks({ bounding: ['CAP_BOGUS', 'KILL', 'CAP_KILL'] }, ALL, (m) => warnings.push(m));
    expect(masks.bounding).toBe(bit('CAP_KILL'));
    expect(warnings).toEqual(['unknown capability "CAP_BOGUS" ignored', 'unknown capability "KILL" ignored']);
  });

  test('capabilities this process cannot grant are warned about and left out', () => {
    const warnings: string[] = [];
    const available = ALL & ~bit('CAP_SYS_RESOURCE');
    const masks = capabilityMasks({ permitted: ['CAP_SYS_RESOURCE', 'CAP_CHOWN'] }, available, (m) => warnings.push(m));
    expect(masks.permitted).toBe(1n);
    expect(warnings).toEqual(['capability CAP_SYS_RESOURCE is not available to skiff and is not granted']);
  });
});

describe('ambient capabilities', () => {
  test('only those also permitted and inheritable are kept; the others are warned about', () => {
    const warnings: string[] = [];
    const masks = capabilityMasks(
      {
        permitted: ['CAP_KILL', 'CAP_CHOWN'],
        inheritable: ['CAP_KILL', 'CAP_NET_RAW'],
        ambient: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW', 'CAP_SYS_ADMIN'],
      },
      ALL,
      (m) => warnings.push(m),
    );
    expect(masks.ambient).toBe(bit('CAP_KILL'));
    expect(masks.permitted).toBe(bit('CAP_KILL') | bit('CAP_CHOWN'));
    expect(masks.inheritable).toBe(bit('CAP_KILL') | bit('CAP_NET_RAW'));
    expect(warnings).toEqual([
      'ambient capability CAP_CHOWN is not in the permitted and inheritable sets and is not raised',
      'ambient capability CAP_NET_RAW is not in the permitted and inheritable sets and is not raised',
      'ambient capability CAP_SYS_ADMIN is not in the permitted and inheritable sets and is not raised',
    ]);
  });
});

describe('ownBoundingSet', () => {
  test('is CapBnd of /proc/self/status', () => {
    const status = require('fs').readFileSync('/proc/self/status', 'utf8') as string;
    const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)![1];
    expect(ownBoundingSet()).toBe(BigInt('0x' + hex));
  });
});
