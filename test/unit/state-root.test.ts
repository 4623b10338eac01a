/** Container ids and directories in the state root. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkId, claimContainerDir, containerDir } from '../../src/factory/state-root';
import { absolutePath } from '../../src/sys/absolute-path';

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-state-root-'));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('checkId', () => {
  test.each(['c1', 'a', 'A_b-c.d+e', '123', '_', '-x', '.hidden', '..a', 'a..', '...', 'x'.repeat(1024), 'my.container+1'])(
    'accepts %j',
    (id) => {
      expect(() => checkId(id)).not.toThrow();
    },
  );

  // Go's \w is ASCII only, like JavaScript's. runc 1.1's regex ^[\w+-\.]+$ reads "+-\." as a range
  // from + to . and so also lets ',' through; skiff (like runc 1.2's explicit character list) does not.
  test.each(['', '.', '..', 'a/b', '/abs', 'a b', 'a\tb', 'a\nb', 'é', 'a:b', 'a,b', 'a*', 'a?', 'a$b', '~', 'a\0b', 'c1\n'])(
    'rejects %j',
    (id) => {
      expect(() => checkId(id)).toThrow('invalid container ID format');
    },
  );
});

describe('containerDir', () => {
  test('is <absolute root>/<id>, and checks the id', () => {
    expect(containerDir('/run/skiff', 'c1')).toBe('/run/skiff/c1');
    expect(containerDir('rel/root', 'c1')).toBe(path.join(process.cwd(), 'rel/root', 'c1'));
    expect(() => containerDir('/run/skiff', '..')).toThrow('invalid container ID format');
  });
});

describe('absolutePath', () => {
  // Normal absolute paths are returned as they are (no node:path); everything else goes to path.resolve.
  test.each(['/', '/run/skiff', '/a/b/c', '/a/..b', '/a/.b', '/a/b.', '/a/b..', '/a/...', '/run/containerd/runc/k8s.io'])(
    '%j is already normal',
    (p) => {
      expect(absolutePath(p)).toBe(p);
      expect(path.resolve(p)).toBe(p);
    },
  );

  test.each(['//a', '/a//b', '/a/', '/a/b/', '/a/./b', '/a/../b', '/a/..', '/a/.', '/..', '/.', 'a', './a', '../a', '.', '', 'a/../../b'])(
    '%j is resolved as path.resolve does',
    (p) => {
      expect(absolutePath(p)).toBe(path.resolve(p));
    },
  );
});

describe('claimContainerDir', () => {
  test('creates the root (0700) and the container directory (0711)', () => {
    const root = path.join(tmp, 'deep', 'root');
    const dir = claimContainerDir(root, 'c1');
    expect(dir).toBe(path.join(root, 'c1'));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    const umask = process.umask();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o711 & ~umask);
    expect(fs.statSync(root).mode & 0o777).toBe(0o700 & ~umask);
  });

  test('refuses an id that is already there', () => {
    claimContainerDir(tmp, 'c1');
    expect(() => claimContainerDir(tmp, 'c1')).toThrow('container with given ID already exists');
    // A different id is fine.
    expect(() => claimContainerDir(tmp, 'c2')).not.toThrow();
  });

  test('refuses an invalid id without creating anything', () => {
    const root = path.join(tmp, 'root');
    expect(() => claimContainerDir(root, 'a/b')).toThrow('invalid container ID format');
    expect(fs.existsSync(root)).toBe(false);
  });

  test('other errors are passed on', () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, '');
    expect(() => claimContainerDir(file, 'c1')).toThrow(/EEXIST|ENOTDIR/);
  });
});
