/* skiff-init: carries out the plan skiff sends (see PROTOCOL.md).
 * Phase 1 runs in the shim process P: join namespaces, fork the container init C into new ones,
 * write its id maps. Phase 2 runs in C: build the container and wait for `skiff start`. */
#define _GNU_SOURCE
#include "channel.h"
#include "inroot.h"
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

/* The plan channel (see open_channel): records from skiff on sync_in, ours to skiff on sync_out. */
static int sync_in = -1, sync_out = -1;
/* Our spare ends of the two pipes, kept until skiff has opened its own (its first record). */
static int spare_in = -1, spare_out = -1;
static int start_fd = -1;

static int is(struct record *r, const char *op) { return strcmp(r->op, op) == 0; }

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open %s", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		fail_errno("write %s", path);
	close(fd);
}

static int namespace_type(const char *name)
{
	static const struct { const char *name; int flag; } types[] = {
		{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},
		{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].flag;
	fail("plan: unknown namespace type %s", name);
}

static int open_namespace(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open namespace %s", path);
	return fd;
}

static void join_namespace(const char *type, const char *path, int fd)
{
	if (setns(fd, namespace_type(type)) < 0) {
		if (errno == EINVAL)
			fail("%s is not a %s namespace", path, type);
		fail_errno("setns %s", path);
	}
	close(fd);
}

static void reset_signals(void)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
}

static void exit_on_signal(int sig) { _exit(128 + sig); }

/* As pid 1 of its namespace C ignores signals it has no handler for; until the user program runs,
 * any catchable signal (e.g. `skiff kill` of a created container) ends it. */
static void catch_signals(void (*handler)(int))
{
	for (int sig = 1; sig < 32; sig++) {
		/* Signals whose default is to be ignored stay ignored: a terminal resize (SIGWINCH)
		 * must not end a created container. */
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH)
			continue;
		signal(sig, handler);
	}
}

/* The start handshake goes through two FIFOs in the state directory, so `skiff start` needs only
 * open/read/write (no socket code to load): it writes a byte to `go`, then reads `reply` until
 * end-of-file. The container init holds both open read-write from here on: `go` therefore always
 * has a reader while it waits (start's non-blocking open fails only once it is gone), and `reply`
 * a writer, so start sees end-of-file exactly when the init execs (close-on-exec) or dies. */
static int reply_fd = -1;

static int make_fifo(int dir, const char *name)
{
	if (mkfifoat(dir, name, 0600) < 0)
		return -1;
	return openat(dir, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
}

static void op_listen(struct record *r)
{
	if (r->argc < 3)
		fail("plan: listen needs dir, go and reply");
	int dir = open(r->argv[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		fail_errno("open state directory %s", r->argv[0]);
	start_fd = make_fifo(dir, r->argv[1]);
	reply_fd = start_fd < 0 ? -1 : make_fifo(dir, r->argv[2]);
	if (reply_fd < 0)
		fail_errno("start FIFOs in %s", r->argv[0]);
	close(dir);
}

static void op_await_start(void)
{
	catch_signals(exit_on_signal);
	char byte;
	ssize_t n;
	do
		n = read(start_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		fail_errno("wait for start");
	close(start_fd);
	catch_signals(SIG_DFL);
	/* From here `skiff start` hears our errors; it sees end-of-file when exec succeeds. */
	error_fd = reply_fd;
}

static void dispatch(struct record *r);

/* The records after await_start run only once `skiff start` connects; read them all now, because
 * skiff closes the channel when create returns. */
static void await_start_then_run_rest(void)
{
	struct record *rest = NULL;
	size_t count = 0;
	struct record r;
	while (read_record(sync_in, &r) == 0) {
		rest = realloc(rest, (count + 1) * sizeof *rest);
		rest[count++] = r;
	}
	close(sync_in);
	close(sync_out);
	sync_in = sync_out = -1;
	op_await_start();
	for (size_t i = 0; i < count; i++)
		dispatch(&rest[i]);
	fail("plan ended without exec");
}

/* The container's cgroups, opened by P before it joins any namespace. C is cloned into the v2 one
 * (CLONE_INTO_CGROUP) and moves itself into each v1 one by writing "0" to its `tasks` file. Neither
 * takes the kernel's threadgroup lock for writing, as writing a pid to cgroup.procs does: that waits
 * for an RCU grace period (4-15 ms here) whenever no migration went just before. */
static int cgroup_dir = -1, cgroup_procs = -1;

static void open_cgroup_dir(const char *dir)
{
	cgroup_dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cgroup_procs = cgroup_dir < 0 ? -1 : openat(cgroup_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (cgroup_procs < 0)
		fail_errno("open cgroup %s", dir);
}

static void close_cgroup_dir(void)
{
	if (cgroup_dir >= 0) {
		close(cgroup_dir);
		close(cgroup_procs);
	}
}

static int open_cgroup_tasks(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open cgroup %s", path);
	return fd;
}

/* Clones C into the v2 cgroup; where clone3 cannot (an older kernel, a seccomp filter that hides it,
 * a cgroup namespace joined on a host whose cgroup2 has nsdelegate), clones it and writes its pid. */
static pid_t clone_container_process(unsigned long flags)
{
	if (cgroup_dir >= 0) {
		struct clone_args args = {.flags = flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (unsigned)cgroup_dir};
		pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
		if (pid >= 0)
			return pid;
	}
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid > 0 && cgroup_procs >= 0) {
		char text[16];
		int len = snprintf(text, sizeof text, "%d", pid);
		if (write(cgroup_procs, text, len) != len)
			fail_errno("move the container process into its cgroup");
	}
	return pid;
}

/* C, once released: into its v1 cgroups, then into the cgroup namespace it is to join (see
 * `child_join`). The fds are P's, opened with the host's view and credentials. */
static void enter_cgroups(struct record *plan, size_t count, const int *fds)
{
	for (size_t i = 0; i < count; i++) {
		if (is(&plan[i], "cgroup_tasks") && plan[i].argc == 1) {
			if (write(fds[i], "0", 1) != 1)
				fail_errno("join cgroup %s", plan[i].argv[0]);
			close(fds[i]);
		} else if (is(&plan[i], "child_join") && plan[i].argc == 2)
			join_namespace(plan[i].argv[0], plan[i].argv[1], fds[i]);
	}
	close_cgroup_dir();
}

/* P: the time namespace, which clone(2) cannot make; C: its cgroup namespace, once in its cgroups. */
static void op_unshare(const struct record *r)
{
	if (unshare((int)parse_u64(r->argv[0])) < 0)
		fail_errno("unshare");
}

static void dispatch(struct record *r)
{
	if (is(r, "mount")) op_mount(r);
	else if (is(r, "copyup_open") && r->argc == 1) op_copyup_open(r);
	else if (is(r, "copyup") && r->argc == 1) op_copyup(r);
	else if (is(r, "mkdir")) op_mkdir(r);
	else if (is(r, "mkfile")) op_mkfile(r);
	else if (is(r, "remount")) op_remount(r);
	else if (is(r, "setattr")) op_setattr(r);
	else if (is(r, "mknod")) op_mknod(r);
	else if (is(r, "symlink")) op_symlink(r);
	else if (is(r, "mask")) op_mask(r);
	else if (is(r, "readonly")) op_readonly(r);
	else if (is(r, "mount_host")) op_mount_host(r);
	else if (is(r, "rootfs")) op_rootfs(r);
	else if (is(r, "pivot_root")) op_pivot_root(r);
	else if (is(r, "chroot")) op_chroot(r);
	else if (is(r, "become_root")) op_become_root(r);
	else if (is(r, "unshare") && r->argc == 1) op_unshare(r);
	else if (is(r, "keyring") && r->argc == 1) {
		/* A session keyring of the container's own, so it cannot read the host's keys. */
		if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, r->argv[0]) < 0 && errno != ENOSYS)
			fail_errno("join session keyring");
	}
	else if (is(r, "write") && r->argc == 2) write_file(r->argv[0], r->argv[1]);
	else if (is(r, "sethostname") && r->argc == 1) {
		if (sethostname(r->argv[0], strlen(r->argv[0])) < 0)
			fail_errno("sethostname");
	} else if (is(r, "setdomainname") && r->argc == 1) {
		if (setdomainname(r->argv[0], strlen(r->argv[0])) < 0)
			fail_errno("setdomainname");
	} else if (is(r, "sync") && r->argc == 1) {
		const char *args[] = {r->argv[0]};
		send_record(sync_out, "sync", 1, args);
	} else if (is(r, "abort")) fail("%s", r->argc ? r->argv[0] : "aborted");
	else if (is(r, "hook")) op_hook(r);
	else if (is(r, "console")) op_console(r);
	else if (is(r, "seccomp_init")) op_seccomp_init(r);
	else if (is(r, "seccomp_arch") && r->argc == 1) op_seccomp_arch(r);
	else if (is(r, "seccomp_flag") && r->argc == 1) op_seccomp_flag(r);
	else if (is(r, "seccomp_rule")) op_seccomp_rule(r);
	else if (is(r, "seccomp_load")) op_seccomp_load(r);
	else if (is(r, "ctty")) op_ctty(r);
	else if (is(r, "check_exec")) op_check_exec(r);
	else if (is(r, "ready")) send_record(sync_out, "ready", 0, NULL);
	else if (is(r, "await_start")) await_start_then_run_rest();
	else if (is(r, "rlimit")) op_rlimit(r);
	else if (is(r, "setsid")) {
		if (setsid() < 0)
			fail_errno("setsid");
	} else if (is(r, "nnp")) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			fail_errno("set no_new_privs");
	} else if (is(r, "bounding")) op_bounding(r);
	else if (is(r, "user")) op_user(r);
	else if (is(r, "caps")) op_caps(r);
	else if (is(r, "chdir") && r->argc == 1) {
		if (chdir(r->argv[0]) < 0)
			fail_errno("chdir to cwd (\"%s\") set in config.json failed", r->argv[0]);
	} else if (is(r, "close_fds") && r->argc == 1) {
		if (syscall(SYS_close_range, (unsigned)parse_u64(r->argv[0]), ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
			fail_errno("close_range");
	} else if (is(r, "exec")) op_exec(r);
	else fail("plan: unknown operation %s", r->op);
}

/* Phase 2: one record at a time, in the order skiff sent them. */
static void run_container_init(void)
{
	struct record r;
	while (read_record(sync_in, &r) == 0) {
		dispatch(&r);
		free_record(&r);
	}
	_exit(1); /* skiff went away before the plan ended */
}

/* Phase 1: everything up to `end` is read first, then carried out in order. */
static void run_shim(void)
{
	struct record *plan = NULL;
	size_t count = 0;
	while (1) {
		plan = realloc(plan, (count + 1) * sizeof *plan);
		if (read_record(sync_in, &plan[count]) < 0)
			_exit(1);
		if (spare_in >= 0) {
			/* skiff has both ends open now: from here its close is our end-of-file, and the
			 * container outlives skiff (a detached create, a killed foreground run), as runc's does. */
			close(spare_in);
			close(spare_out);
			spare_in = spare_out = -1;
			prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
		}
		if (is(&plan[count++], "end"))
			break;
	}
	/* Open every namespace and cgroup before joining any namespace: once in a new mount namespace,
	 * /proc/<pid>/ns paths would resolve in the container's /proc, and cgroup paths in its tree. */
	int *fds = calloc(count, sizeof *fds);
	for (size_t i = 0; i < count; i++) {
		if ((is(&plan[i], "join") || is(&plan[i], "child_join")) && plan[i].argc == 2)
			fds[i] = open_namespace(plan[i].argv[1]);
		else if (is(&plan[i], "cgroup_tasks") && plan[i].argc == 1)
			fds[i] = open_cgroup_tasks(plan[i].argv[0]);
		else if (is(&plan[i], "cgroup_into") && plan[i].argc == 1)
			open_cgroup_dir(plan[i].argv[0]);
	}
	int release[2] = {-1, -1};
	pid_t child = -1;
	int stay = 0, subreaper = 0;
	char path[64];
	for (size_t i = 0; i < count; i++) {
		struct record *r = &plan[i];
		if (is(r, "join") && r->argc == 2) join_namespace(r->argv[0], r->argv[1], fds[i]);
		else if (is(r, "cgroup_tasks") || is(r, "cgroup_into") || is(r, "child_join")) continue; /* C's, at its start */
		else if (is(r, "nodump")) {
			/* Not dumpable: processes in the container cannot open /proc/<us>/exe, so they
			 * cannot reach skiff-init's binary (CVE-2019-5736). exec resets it. */
			if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
				fail_errno("prctl(PR_SET_DUMPABLE)");
		}
		else if (is(r, "listen")) op_listen(r);
		else if (is(r, "console_socket")) op_console_socket(r);
		else if (is(r, "console_pair")) op_console_pair(r);
		else if (is(r, "seccomp_listener")) op_seccomp_listener(r);
		else if (is(r, "bpf_devices")) op_bpf_devices(r);
		else if (is(r, "unshare") && r->argc == 1) op_unshare(r);
		else if (is(r, "timens_offset") && r->argc == 3) {
			char line[128];
			snprintf(line, sizeof line, "%s %s %s", r->argv[0], r->argv[1], r->argv[2]);
			write_file("/proc/self/timens_offsets", line);
		} else if (is(r, "clone") && r->argc == 1) {
			if (pipe2(release, O_CLOEXEC) < 0)
				fail_errno("pipe");
			child = clone_container_process((unsigned long)parse_u64(r->argv[0]));
			if (child < 0)
				fail_errno("clone");
			console_after_clone(child == 0);
			if (child == 0) {
				char go;
				close(release[1]);
				/* The reader's buffer is kept: what P read past `end` is the start of C's plan. */
				if (read(release[0], &go, 1) != 1)
					_exit(1);
				close(release[0]);
				enter_cgroups(plan, count, fds);
				run_container_init();
			}
			close(release[0]);
			/* C's own fds, which C has copies of. */
			for (size_t j = 0; j < count; j++)
				if ((is(&plan[j], "cgroup_tasks") || is(&plan[j], "child_join")) && fds[j] > 0)
					close(fds[j]);
			close_cgroup_dir();
		} else if ((is(r, "uid_map") || is(r, "gid_map") || is(r, "setgroups")) && r->argc == 1) {
			snprintf(path, sizeof path, "/proc/%d/%s", child, r->op);
			write_file(path, r->argv[0]);
		} else if (is(r, "stay") && r->argc == 1) {
			stay = 1;
			subreaper = (int)parse_u64(r->argv[0]);
		} else if (is(r, "end")) {
			if (child <= 0)
				fail("plan: end before clone");
			/* The pid first: once released, C may report (`ready`, an error) at once. */
			snprintf(path, sizeof path, "%d", child);
			const char *args[] = {path};
			send_record(sync_out, "pid", 1, args);
			if (write(release[1], "g", 1) != 1)
				fail_errno("release container init");
			close(release[1]);
		} else fail("plan: unknown phase 1 operation %s", r->op);
	}
	close(sync_in);
	close(sync_out);
	if (start_fd >= 0) { /* C has its own copies */
		close(start_fd);
		close(reply_fd);
	}
	if (!stay)
		_exit(0);
	/* Foreground run: report the container's exit as ours; the caller handles signals. */
	if (subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int status;
	pid_t pid;
	if (console_proxy_wanted())
		status = console_proxy(child);
	else
		while ((pid = waitpid(-1, &status, 0)) != child)
			if (pid < 0 && errno != EINTR)
				_exit(255);
	_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

/* Moves fd to exactly `target` (close-on-exec), replacing whatever was there in one step. */
/* Moves fd to exactly `target`, replacing whatever was there in one step. Not close-on-exec yet:
 * the channel outlives the re-execution from the sealed copy (adopt_channel marks it). */
static void place_fd(int fd, int target)
{
	if (dup3(fd, target, 0) < 0)
		fail_errno("place channel fd %d", target);
	close(fd);
}

/* The plan channel is two pipes made here: fd `base` (skiff -> us) and `base`+1 (us -> skiff), with
 * our spare ends at base+2 and base+3. skiff opens base and base+1 through /proc/<our pid>/fd, so it
 * needs no pipe of its own from its runtime (under bun, a piped stdio costs skiff ~10 ms). skiff
 * left these numbers closed at spawn and waits until base+1 is a pipe: /dev/null holds every place
 * until the pipes replace it, and base+1 is filled last, so skiff never sees half a channel.
 * It is made before the re-execution from the sealed copy, which skiff's first records overlap. */
static void open_channel(int base)
{
	/* Above all four places, so that dup3 never gets the same fd twice. */
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int held = devnull < 0 ? -1 : fcntl(devnull, F_DUPFD_CLOEXEC, base + 4);
	if (held < 0)
		fail_errno("open /dev/null");
	close(devnull);
	for (int fd = base; fd < base + 4; fd++)
		if (dup3(held, fd, O_CLOEXEC) < 0)
			fail_errno("reserve channel fds");
	close(held);
	int to_us[2], to_skiff[2];
	if (pipe2(to_us, O_CLOEXEC) < 0 || pipe2(to_skiff, O_CLOEXEC) < 0)
		fail_errno("channel pipes");
	place_fd(to_us[1], base + 2);
	place_fd(to_skiff[0], base + 3);
	place_fd(to_us[0], base);
	place_fd(to_skiff[1], base + 1);
}

/* In the sealed copy: the channel made before the re-execution, now close-on-exec. */
static void adopt_channel(int base)
{
	for (int fd = base; fd < base + 4; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			fail_errno("channel fd %d", fd);
	sync_in = base;
	sync_out = base + 1;
	spare_in = base + 2;
	spare_out = base + 3;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	const char *fd = getenv("_SKIFF_SYNC_FD");
	if (!fd) {
		dprintf(2, "skiff-init is started by skiff, not by hand\n");
		return 1;
	}
	error_fd = 2; /* until the channel exists */
	/* Until skiff's first record skiff-init holds both ends of its own channel (open_channel), so it
	 * would wait forever for a skiff killed before sending one: it dies with skiff instead, until
	 * run_shim has that record. Kept across the re-execution; a parent already gone shows here. */
	const char *parent = getenv("_SKIFF_PARENT");
	if (parent && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != (pid_t)atoi(parent)))
		_exit(1);
	int base = atoi(fd);
	if (fcntl(base + 1, F_GETFD) < 0)
		open_channel(base); /* the first run; the sealed copy finds it made */
	run_from_sealed_copy(argv, envp);
	adopt_channel(base);
	error_fd = sync_out;
	reset_signals();
	run_shim();
	return 0;
}
