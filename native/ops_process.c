/* Process operations: who the container process is, what it may do, and the final exec. */
#define _GNU_SOURCE
#include "ops.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void op_become_root(struct record *r)
{
	(void)r;
	if (setresgid(0, 0, 0) < 0)
		fail_errno("setresgid 0 in user namespace");
	if (setresuid(0, 0, 0) < 0)
		fail_errno("setresuid 0 in user namespace");
}

void op_rlimit(struct record *r)
{
	if (r->argc < 3)
		fail("plan: rlimit needs 3 arguments");
	struct rlimit lim = {.rlim_cur = parse_u64(r->argv[1]), .rlim_max = parse_u64(r->argv[2])};
	if (prlimit(0, (int)parse_u64(r->argv[0]), &lim, NULL) < 0)
		fail_errno("setrlimit %s to %s/%s", r->argv[0], r->argv[1], r->argv[2]);
}

void op_bounding(struct record *r)
{
	if (r->argc < 1)
		fail("plan: bounding needs a mask");
	unsigned long long keep = parse_u64(r->argv[0]);
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			fail_errno("drop bounding capability %d", cap);
	}
}

void op_user(struct record *r)
{
	if (r->argc < 3)
		fail("plan: user needs uid gid umask");
	uid_t uid = (uid_t)parse_u64(r->argv[0]);
	gid_t gid = (gid_t)parse_u64(r->argv[1]);
	int ngroups = r->argc - 3;
	gid_t *groups = calloc((size_t)ngroups + 1, sizeof(gid_t));
	for (int i = 0; i < ngroups; i++)
		groups[i] = (gid_t)parse_u64(r->argv[3 + i]);
	/* Keep the permitted set across the uid change; `caps` narrows it afterwards. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail_errno("keep capabilities");
	if (setgroups((size_t)ngroups, groups) < 0 && !(errno == EPERM && ngroups == 0))
		fail_errno("setgroups");
	if (setresgid(gid, gid, gid) < 0)
		fail_errno("setgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		fail_errno("setuid %u", uid);
	umask((mode_t)parse_u64(r->argv[2]));
	free(groups);
}

void op_caps(struct record *r)
{
	if (r->argc < 4)
		fail("plan: caps needs 4 masks");
	unsigned long long eff = parse_u64(r->argv[0]), perm = parse_u64(r->argv[1]);
	unsigned long long inh = parse_u64(r->argv[2]), amb = parse_u64(r->argv[3]);
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {
		{.effective = (unsigned)eff, .permitted = (unsigned)perm, .inheritable = (unsigned)inh},
		{.effective = (unsigned)(eff >> 32), .permitted = (unsigned)(perm >> 32), .inheritable = (unsigned)(inh >> 32)},
	};
	if (syscall(SYS_capset, &head, data) < 0)
		fail_errno("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail_errno("clear ambient capabilities");
	for (int cap = 0; cap < 64; cap++)
		if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			fail_errno("raise ambient capability %d", cap);
}

static int is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* execvp's search, with the messages runc gives (Go's exec.LookPath). */
static const char *look_path(const char *file, const char *path_var, char *out, size_t size)
{
	if (*file == 0)
		fail("exec: \"\": executable file not found in $PATH");
	if (strchr(file, '/')) {
		struct stat st;
		if (stat(file, &st) < 0)
			fail_errno("exec: \"%s\": stat %s", file, file);
		if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
			errno = EACCES;
			fail_errno("exec: \"%s\": stat %s", file, file);
		}
		return file;
	}
	const char *p = path_var;
	while (1) {
		const char *end = strchrnul(p, ':');
		size_t dirlen = (size_t)(end - p);
		if (dirlen == 0)
			snprintf(out, size, "./%s", file);
		else
			snprintf(out, size, "%.*s/%s", (int)dirlen, p, file);
		if (is_executable(out))
			return out;
		if (*end == 0)
			break;
		p = end + 1;
	}
	fail("exec: \"%s\": executable file not found in $PATH", file);
}

void op_check_exec(struct record *r)
{
	if (r->argc < 2)
		fail("plan: check_exec needs file and PATH");
	char found[4096];
	look_path(r->argv[0], r->argv[1], found, sizeof found);
}

void op_exec(struct record *r)
{
	if (r->argc < 3)
		fail("plan: exec needs file, PATH and argc");
	int argc = (int)parse_u64(r->argv[2]);
	int envc = r->argc - 3 - argc;
	if (argc < 1 || envc < 0)
		fail("plan: exec has a bad argument count");
	char **argv = calloc((size_t)argc + 1, sizeof(char *));
	char **envp = calloc((size_t)envc + 1, sizeof(char *));
	memcpy(argv, r->argv + 3, (size_t)argc * sizeof(char *));
	memcpy(envp, r->argv + 3 + argc, (size_t)envc * sizeof(char *));
	char found[4096];
	const char *file = look_path(r->argv[0], r->argv[1], found, sizeof found);
	execve(file, argv, envp);
	fail_errno("exec %s", file);
}
