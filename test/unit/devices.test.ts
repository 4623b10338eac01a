/** deviceRecords and devLinkRecords: device nodes (mknod or host binds) and the /dev links. */
import { DEFAULT_DEVICES, deviceRecords, devLinkRecords } from '../../src/rootfs/devices';
import { MS } from '../../src/rootfs/mount-flags';
import { record } from '../../src/shim/records';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

describe('DEFAULT_DEVICES', () => {
  test('are the six of config-linux.md, character devices with their numbers', () => {
    expect(DEFAULT_DEVICES.map((d) => [d.path, d.type, d.major, d.minor])).toEqual([
      ['/dev/null', 'c', 1, 3],
      ['/dev/zero', 'c', 1, 5],
      ['/dev/full', 'c', 1, 7],
      ['/dev/random', 'c', 1, 8],
      ['/dev/urandom', 'c', 1, 9],
      ['/dev/tty', 'c', 5, 0],
    ]);
    for (const d of DEFAULT_DEVICES) expect(d.fileMode).toBe(0o666);
  });
});

describe('deviceRecords', () => {
  test('mknod with type bits, permission bits, numbers, owner', () => {
    expect(
      deviceRecords([
        { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666 },
        { type: 'b', path: '/dev/sda', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
        { type: 'u', path: '/dev/ttyX', major: 4, minor: 64, fileMode: 0o620, uid: 1000, gid: 5 },
        { type: 'p', path: '/dev/fifo' },
      ], false),
    ).toEqual([
      record('mknod', '/dev/null', S_IFCHR | 0o666, 1, 3, 0, 0),
      record('mknod', '/dev/sda', S_IFBLK | 0o660, 8, 0, 0, 6),
      record('mknod', '/dev/ttyX', S_IFCHR | 0o620, 4, 64, 1000, 5),
      record('mknod', '/dev/fifo', S_IFIFO | 0o666, 0, 0, 0, 0),
    ]);
  });

  test('fileMode is cut to permission bits; a relative path is taken from /', () => {
    const [r] = deviceRecords([{ type: 'c', path: 'dev/kmsg', major: 1, minor: 11, fileMode: 0o170644 }], false);
    expect(r).toEqual(record('mknod', '/dev/kmsg', S_IFCHR | 0o644, 1, 11, 0, 0));
  });

  test('an unknown type is an error', () => {
    expect(() => deviceRecords([{ type: 'x', path: '/dev/x', major: 1, minor: 1 }], false)).toThrow(
      'linux.devices: unknown device type "x"',
    );
  });

  test('in a new user namespace the host node is bind-mounted onto an empty file', () => {
    expect(deviceRecords([{ type: 'c', path: '/dev/null', major: 1, minor: 3 }], true)).toEqual([
      record('mkfile', '/dev/null', 0o644),
      record('mount', '/dev/null', '/dev/null', '', MS.BIND, ''),
    ]);
  });

  test('no devices, no records', () => {
    expect(deviceRecords([], false)).toEqual([]);
    expect(deviceRecords([], true)).toEqual([]);
  });
});

describe('devLinkRecords', () => {
  const fdLinks = [
    record('symlink', '/proc/self/fd', '/dev/fd', 0),
    record('symlink', '/proc/self/fd/0', '/dev/stdin', 0),
    record('symlink', '/proc/self/fd/1', '/dev/stdout', 0),
    record('symlink', '/proc/self/fd/2', '/dev/stderr', 0),
  ];
  const ptmx = record('symlink', 'pts/ptmx', '/dev/ptmx', 1);

  test('fd links only with /proc, ptmx (replacing any file) only with /dev/pts', () => {
    expect(devLinkRecords(true, true)).toEqual([...fdLinks, ptmx]);
    expect(devLinkRecords(true, false)).toEqual(fdLinks);
    expect(devLinkRecords(false, true)).toEqual([ptmx]);
    expect(devLinkRecords(false, false)).toEqual([]);
  });
});
