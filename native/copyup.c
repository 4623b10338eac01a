/* tmpcopyup: a tmpfs mounted over a directory starts with that directory's contents. The old
 * directory is opened before the mount (it stays reachable through the fd), copied in after. */
#define _GNU_SOURCE
#include "channel.h"
#include "inroot.h"
#include "ops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static int copyup_from = -1;

/* copyup_open TARGET: remember what is at TARGET now (a missing directory has nothing to copy). */
void op_copyup_open(struct record *r)
{
	copyup_from = open_in_root(r->argv[0], O_RDONLY | O_DIRECTORY);
}

static void copy_tree(int from, int to);

static void copy_entry(int from, int to, const char *name)
{
	struct stat st;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		fail_errno("tmpcopyup: stat %s", name);
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(to, name, st.st_mode & 07777) < 0 && errno != EEXIST)
			fail_errno("tmpcopyup: mkdir %s", name);
		int sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub_from < 0 || sub_to < 0)
			fail_errno("tmpcopyup: open %s", name);
		copy_tree(sub_from, sub_to);
		close(sub_from);
		close(sub_to);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(from, name, target, sizeof target - 1);
		if (n < 0)
			fail_errno("tmpcopyup: readlink %s", name);
		target[n] = 0;
		if (symlinkat(target, to, name) < 0)
			fail_errno("tmpcopyup: symlink %s", name);
	} else if (S_ISREG(st.st_mode)) {
		int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
		if (in < 0 || out < 0)
			fail_errno("tmpcopyup: open %s", name);
		/* Plain reads and writes: copy_file_range refuses to cross filesystems. */
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof buf)) > 0)
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(out, buf + off, (size_t)(n - off));
				if (w < 0)
					fail_errno("tmpcopyup: write %s", name);
				off += w;
			}
		if (n < 0)
			fail_errno("tmpcopyup: read %s", name);
		close(in);
		close(out);
	} else if (mknodat(to, name, st.st_mode, st.st_rdev) < 0) {
		fail_errno("tmpcopyup: mknod %s", name);
	}
	if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		fail_errno("tmpcopyup: chown %s", name);
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
}

static void copy_tree(int from, int to)
{
	int scan = dup(from);
	DIR *dir = fdopendir(scan);
	if (!dir)
		fail_errno("tmpcopyup: read directory");
	struct dirent *e;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			copy_entry(from, to, e->d_name);
	closedir(dir);
}

/* copyup TARGET: after the tmpfs is mounted at TARGET, fill it from what copyup_open saw. */
void op_copyup(struct record *r)
{
	if (copyup_from < 0)
		return;
	int to = open_in_root(r->argv[0], O_RDONLY | O_DIRECTORY);
	if (to < 0)
		fail_errno("tmpcopyup: open %s", r->argv[0]);
	struct stat st;
	if (fstat(copyup_from, &st) == 0) {
		fchmod(to, st.st_mode & 07777);
		if (fchown(to, st.st_uid, st.st_gid) < 0)
			fail_errno("tmpcopyup: chown %s", r->argv[0]);
	}
	copy_tree(copyup_from, to);
	close(to);
	close(copyup_from);
	copyup_from = -1;
}
