/* Filesystem operations. Targets inside the container are opened with open_in_root and mounted
 * through /proc/self/fd/N, so the kernel acts on the inode we resolved, not on a path that a
 * symlink swapped underneath us could redirect. */
#define _GNU_SOURCE
#include "inroot.h"
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void need(struct record *r, int argc)
{
	if (r->argc < argc)
		fail("plan: %s needs %d arguments", r->op, argc);
}

static const char *nonempty(const char *s) { return *s ? s : NULL; }

void op_mount_host(struct record *r)
{
	need(r, 5);
	unsigned long flags = parse_u64(r->argv[3]);
	if (mount(nonempty(r->argv[0]), r->argv[1], nonempty(r->argv[2]), flags, nonempty(r->argv[4])) < 0)
		fail_errno("mount %s on %s", r->argv[0][0] ? r->argv[0] : r->argv[2], r->argv[1]);
}

void op_rootfs(struct record *r)
{
	need(r, 1);
	if (root_fd >= 0)
		close(root_fd);
	root_fd = open(r->argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		fail_errno("open root filesystem %s", r->argv[0]);
}

void op_mkdir(struct record *r)
{
	need(r, 2);
	close(mkdir_in_root(r->argv[0], (mode_t)parse_u64(r->argv[1])));
}

void op_mkfile(struct record *r)
{
	need(r, 2);
	char name[256];
	int dir = parent_in_root(r->argv[0], name, sizeof name);
	int fd = openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, (mode_t)parse_u64(r->argv[1]));
	if (fd < 0) {
		/* An existing directory or device is fine to mount over. */
		int existing = open_in_root(r->argv[0], O_PATH);
		if (existing < 0)
			fail_errno("create mount point %s", r->argv[0]);
		fd = existing;
	}
	close(fd);
	close(dir);
}

static int open_target(const char *path)
{
	int fd = open_in_root(path, O_PATH);
	if (fd < 0)
		fail_errno("open mount point %s in root filesystem", path);
	return fd;
}

void op_mount(struct record *r)
{
	need(r, 5);
	unsigned long flags = parse_u64(r->argv[3]);
	int fd = open_target(r->argv[1]);
	if (mount(nonempty(r->argv[0]), fd_path(fd), nonempty(r->argv[2]), flags, nonempty(r->argv[4])) < 0)
		fail_errno("mount %s to %s", r->argv[0][0] ? r->argv[0] : r->argv[2], r->argv[1]);
	close(fd);
}

/* Flags the kernel refuses to clear on a remount inside a user namespace. */
static unsigned long locked_flags(int fd)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	return sv.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
}

static void remount_fd(int fd, unsigned long flags, const char *what)
{
	unsigned long base = MS_REMOUNT | MS_BIND | flags;
	if (mount(NULL, fd_path(fd), NULL, base, NULL) == 0)
		return;
	if (errno == EPERM && mount(NULL, fd_path(fd), NULL, base | locked_flags(fd), NULL) == 0)
		return;
	fail_errno("remount %s", what);
}

void op_remount(struct record *r)
{
	need(r, 2);
	int fd = open_target(r->argv[0]);
	remount_fd(fd, parse_u64(r->argv[1]), r->argv[0]);
	close(fd);
}

void op_setattr(struct record *r)
{
	need(r, 5);
	struct mount_attr attr = {
		.attr_set = parse_u64(r->argv[1]),
		.attr_clr = parse_u64(r->argv[2]),
		.propagation = parse_u64(r->argv[3]),
	};
	unsigned int at = AT_EMPTY_PATH | (parse_u64(r->argv[4]) ? AT_RECURSIVE : 0);
	int fd = open_target(r->argv[0]);
	if (syscall(SYS_mount_setattr, fd, "", at, &attr, sizeof attr) < 0)
		fail_errno("mount_setattr %s", r->argv[0]);
	close(fd);
}

void op_mknod(struct record *r)
{
	need(r, 6);
	mode_t mode = (mode_t)parse_u64(r->argv[1]);
	dev_t dev = makedev((unsigned)parse_u64(r->argv[2]), (unsigned)parse_u64(r->argv[3]));
	char name[256];
	int dir = parent_in_root(r->argv[0], name, sizeof name);
	if (mknodat(dir, name, mode, dev) < 0) {
		struct stat st;
		if (errno != EEXIST)
			fail_errno("mknod %s", r->argv[0]);
		if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			fail_errno("stat %s", r->argv[0]);
		if ((st.st_mode & S_IFMT) != (mode & S_IFMT) || (S_ISCHR(mode) || S_ISBLK(mode) ? st.st_rdev != dev : 0))
			fail("%s exists and is not the requested device", r->argv[0]);
	}
	if (fchmodat(dir, name, mode & 07777, 0) < 0)
		fail_errno("chmod %s", r->argv[0]);
	if (fchownat(dir, name, (uid_t)parse_u64(r->argv[4]), (gid_t)parse_u64(r->argv[5]), AT_SYMLINK_NOFOLLOW) < 0)
		fail_errno("chown %s", r->argv[0]);
	close(dir);
}

void op_symlink(struct record *r)
{
	need(r, 3);
	char name[256];
	int dir = parent_in_root(r->argv[1], name, sizeof name);
	if (parse_u64(r->argv[2]) && unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		fail_errno("remove %s", r->argv[1]);
	if (symlinkat(r->argv[0], dir, name) < 0 && errno != EEXIST)
		fail_errno("symlink %s -> %s", r->argv[1], r->argv[0]);
	close(dir);
}

void op_mask(struct record *r)
{
	need(r, 1);
	int fd = open_in_root(r->argv[0], O_PATH);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		fail_errno("open masked path %s", r->argv[0]);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		fail_errno("stat masked path %s", r->argv[0]);
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", fd_path(fd), "tmpfs", MS_RDONLY, "size=0k")
				     : mount("/dev/null", fd_path(fd), NULL, MS_BIND, NULL);
	if (rc < 0)
		fail_errno("mask %s", r->argv[0]);
	close(fd);
}

void op_readonly(struct record *r)
{
	need(r, 1);
	int fd = open_in_root(r->argv[0], O_PATH);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		fail_errno("open read-only path %s", r->argv[0]);
	}
	if (mount(fd_path(fd), fd_path(fd), NULL, MS_BIND | MS_REC, NULL) < 0)
		fail_errno("bind read-only path %s", r->argv[0]);
	close(fd);
	/* Reopen: the old fd still points below the new bind mount. */
	fd = open_target(r->argv[0]);
	remount_fd(fd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, r->argv[0]);
	close(fd);
}

void op_pivot_root(struct record *r)
{
	(void)r;
	if (fchdir(root_fd) < 0)
		fail_errno("chdir to root filesystem");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fail_errno("pivot_root");
	/* The old root is stacked under "."; keep its unmount from propagating, then drop it. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		fail_errno("make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		fail_errno("unmount old root");
	if (chdir("/") < 0)
		fail_errno("chdir /");
}

void op_chroot(struct record *r)
{
	/* Moving the root over "/" is only right in a mount namespace of the container's own. */
	int move = r->argc < 1 || parse_u64(r->argv[0]) != 0;
	if (fchdir(root_fd) < 0)
		fail_errno("chdir to root filesystem");
	if (move && mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		fail_errno("move root filesystem to /");
	if (chroot(".") < 0)
		fail_errno("chroot");
	if (chdir("/") < 0)
		fail_errno("chdir /");
}
