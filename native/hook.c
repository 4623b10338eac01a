/* Hooks that must run inside the container's namespaces (createContainer, startContainer).
 * The state JSON goes to the hook's stdin; its output is kept for the error message. */
#define _GNU_SOURCE
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* hook path timeout state argc args... env... */
void op_hook(struct record *r)
{
	if (r->argc < 4)
		fail("plan: hook needs path, timeout, state and argc");
	const char *path = r->argv[0];
	long long timeout = parse_i64(r->argv[1]);
	const char *state = r->argv[2];
	int argc = (int)parse_u64(r->argv[3]);
	int envc = r->argc - 4 - argc;
	if (envc < 0)
		fail("plan: hook has a bad argument count");
	char **argv = calloc((size_t)argc + 2, sizeof(char *));
	char **envp = calloc((size_t)envc + 1, sizeof(char *));
	memcpy(argv, r->argv + 4, (size_t)argc * sizeof(char *));
	if (argc == 0)
		argv[0] = (char *)path;
	memcpy(envp, r->argv + 4 + argc, (size_t)envc * sizeof(char *));

	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		fail_errno("hook pipes");
	pid_t pid = fork();
	if (pid < 0)
		fail_errno("fork hook");
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(path, argv, envp);
		dprintf(2, "exec %s: %s", path, errno_text(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* The state is small; a hook that does not read it just gets EPIPE on our side. */
	signal(SIGPIPE, SIG_IGN);
	ssize_t ignored = write(in[1], state, strlen(state));
	(void)ignored;
	close(in[1]);

	char output[2048];
	size_t used = 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = timeout > 0 ? now_ms() + timeout * 1000 : -1;
	struct pollfd fds[2] = {{.fd = out[0], .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	int exited = 0;
	while (!exited) {
		int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail("hook %s timed out after %lld s", path, timeout);
		}
		if (poll(fds, 2, wait) < 0 && errno != EINTR)
			fail_errno("wait for hook");
		if (fds[0].revents) {
			char chunk[512];
			ssize_t n = read(out[0], chunk, sizeof chunk);
			if (n > 0 && used < sizeof output - 1) {
				size_t take = (size_t)n < sizeof output - 1 - used ? (size_t)n : sizeof output - 1 - used;
				memcpy(output + used, chunk, take);
				used += take;
			}
			if (n <= 0)
				fds[0].fd = -1;
		}
		if (fds[1].revents)
			exited = 1;
	}
	int status;
	waitpid(pid, &status, 0);
	close(pidfd);
	close(out[0]);
	output[used] = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (WIFSIGNALED(status))
		fail("hook %s: killed by signal %d, output: %s", path, WTERMSIG(status), output);
	fail("hook %s: exit status %d, output: %s", path, WEXITSTATUS(status), output);
}
