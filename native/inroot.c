/* In-root resolution: every lookup goes through openat2(RESOLVE_IN_ROOT) from the rootfs fd, so ".."
 * and absolute symlinks stay inside the root filesystem (runc CVE-2021-30465 and friends). */
#define _GNU_SOURCE
#include "inroot.h"
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int root_fd = -1;

int open_in_root(const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (*path == 0)
		path = ".";
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN);
	return fd;
}

int mkdir_in_root(const char *path, mode_t mode)
{
	char prefix[4096];
	size_t len = strlen(path);
	if (len >= sizeof prefix)
		fail("path too long: %s", path);
	int fd = open_in_root(path, O_PATH | O_DIRECTORY);
	if (fd >= 0)
		return fd;
	/* Walk the prefixes, creating each missing one inside its resolved parent. */
	int parent = open_in_root("/", O_PATH | O_DIRECTORY);
	if (parent < 0)
		fail_errno("open root filesystem");
	size_t i = 0;
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i == start)
			break;
		memcpy(prefix, path, i);
		prefix[i] = 0;
		int next = open_in_root(prefix, O_PATH | O_DIRECTORY);
		if (next < 0 && errno == ENOENT) {
			char name[256];
			size_t n = i - start;
			if (n >= sizeof name)
				fail("path component too long in %s", path);
			memcpy(name, path + start, n);
			name[n] = 0;
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
				fail_errno("mkdir %s", prefix);
			next = open_in_root(prefix, O_PATH | O_DIRECTORY);
		}
		if (next < 0)
			fail_errno("open %s in root filesystem", prefix);
		close(parent);
		parent = next;
	}
	return parent;
}

int parent_in_root(const char *path, char *name_out, size_t name_size)
{
	char dir[4096];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof dir)
		fail("path too long: %s", path);
	size_t slash = len;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	size_t n = len - slash;
	if (n == 0 || n >= name_size)
		fail("bad path %s", path);
	memcpy(name_out, path + slash, n);
	name_out[n] = 0;
	memcpy(dir, path, slash);
	dir[slash] = 0;
	return mkdir_in_root(dir[0] ? dir : "/", 0755);
}

const char *fd_path(int fd)
{
	static char paths[4][32];
	static int next;
	char *p = paths[next++ % 4];
	snprintf(p, 32, "/proc/self/fd/%d", fd);
	return p;
}
