/*
 * A console-socket receiver for the terminal tests: it plays the part of a
 * container manager that asks for a terminal (containerd's shim, conmon).
 *
 *   recvtty [-i INPUT] [-w] [-t SECONDS] SOCKET OUTPUT REPORT [-- COMMAND...]
 *
 * It listens on the UNIX socket SOCKET, accepts one connection, receives the
 * pty master sent with SCM_RIGHTS, writes INPUT to it (right away, or with -w
 * once the container printed something, e.g. a shell prompt) and copies
 * everything the container writes to the file OUTPUT until the pty closes.
 *
 * With a COMMAND (typically `<runtime> create --console-socket SOCKET ...`) it
 * first makes itself a child subreaper and runs the command while it listens,
 * so the container's init ends up as its child: once the pty closed it reaps
 * every child and records how each one ended.
 *
 * REPORT gets one JSON line per event, written as soon as it is known:
 *   {"event":"listening"}
 *   {"event":"command","code":N}                  the COMMAND's exit (-1: signal)
 *   {"event":"master","name":"/dev/pts/0","rows":R,"cols":C,"isatty":1}
 *   {"event":"closed","bytes":N}                  the pty gave EOF/EIO
 *   {"event":"reaped","pid":N,"code":N,"signal":N}
 *   {"event":"done","timedOut":0|1}
 * The socket file is removed before exit. Nothing here is ever a pipe the
 * runtime could hold open, so the test can poll REPORT without blocking.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *report;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static void emit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(report, fmt, ap);
	va_end(ap);
	fputc('\n', report);
	fflush(report);
}

static void json_string(char *out, size_t size, const char *in)
{
	size_t o = 0;
	for (; *in && o + 7 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static int receive_master(int conn, char *name, size_t name_size)
{
	char control[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {.iov_base = name, .iov_len = name_size - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
	ssize_t n;
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR && !timed_out);
	if (n < 0)
		return -1;
	name[n] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
			return fd;
		}
	}
	errno = EBADMSG;
	return -1;
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR && !timed_out)
				continue;
			return;
		}
		data += w;
		len -= (size_t)w;
	}
}

static void note_child(pid_t pid, int status, pid_t command)
{
	if (pid == command)
		emit("{\"event\":\"command\",\"code\":%d}", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else
		emit("{\"event\":\"reaped\",\"pid\":%d,\"code\":%d,\"signal\":%d}", (int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv)
{
	const char *input = NULL;
	int wait_output = 0, timeout = 30, opt;
	while ((opt = getopt(argc, argv, "+i:wt:")) != -1) {
		if (opt == 'i') input = optarg;
		else if (opt == 'w') wait_output = 1;
		else if (opt == 't') timeout = atoi(optarg);
		else return 2;
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: %s [-i INPUT] [-w] [-t SECONDS] SOCKET OUTPUT REPORT [-- COMMAND...]\n", argv[0]);
		return 2;
	}
	const char *socket_path = argv[optind], *output_path = argv[optind + 1], *report_path = argv[optind + 2];
	char **command = NULL;
	if (argc - optind > 3)
		command = argv + optind + 3 + (strcmp(argv[optind + 3], "--") == 0);

	report = fopen(report_path, "w");
	if (!report) {
		perror(report_path);
		return 1;
	}
	int output = open(output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (output < 0) {
		perror(output_path);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)timeout);

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof addr.sun_path) {
		fprintf(stderr, "socket path too long: %s\n", socket_path);
		return 1;
	}
	strcpy(addr.sun_path, socket_path);
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 4) < 0) {
		perror("listen on the console socket");
		return 1;
	}
	emit("{\"event\":\"listening\"}");

	pid_t command_pid = -1;
	if (command) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
			perror("prctl(PR_SET_CHILD_SUBREAPER)");
			return 1;
		}
		command_pid = fork();
		if (command_pid == 0) {
			int devnull = open("/dev/null", O_RDONLY);
			if (devnull >= 0)
				dup2(devnull, 0);
			execvp(command[0], command);
			_exit(127);
		}
	}

	/* Wait for the connection, noting the command's end meanwhile (it may fail before connecting). */
	int conn = -1, command_done = command_pid < 0;
	while (conn < 0 && !timed_out) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		int n = poll(&p, 1, 50);
		if (n > 0)
			conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		if (!command_done) {
			int status;
			if (waitpid(command_pid, &status, WNOHANG) == command_pid) {
				note_child(command_pid, status, command_pid);
				command_done = 1;
				if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && conn < 0)
					break; /* it failed without ever connecting */
			}
		}
	}
	close(listener);
	unlink(socket_path);

	long total = 0;
	if (conn >= 0) {
		char name[256] = "", escaped[512];
		int master = receive_master(conn, name, sizeof name);
		close(conn);
		if (master >= 0) {
			struct winsize ws = {0};
			ioctl(master, TIOCGWINSZ, &ws);
			json_string(escaped, sizeof escaped, name);
			emit("{\"event\":\"master\",\"name\":\"%s\",\"rows\":%d,\"cols\":%d,\"isatty\":%d}", escaped, ws.ws_row, ws.ws_col, isatty(master));
			int input_sent = input == NULL;
			if (input && !wait_output) {
				write_all(master, input, strlen(input));
				input_sent = 1;
			}
			char buf[4096];
			while (!timed_out) {
				/* Keep reaping (and reporting the command's end) while relaying. */
				int status;
				pid_t pid;
				while (command_pid > 0 && (pid = waitpid(-1, &status, WNOHANG)) > 0)
					note_child(pid, status, command_pid);
				struct pollfd p = {.fd = master, .events = POLLIN};
				if (poll(&p, 1, 50) <= 0)
					continue;
				ssize_t n = read(master, buf, sizeof buf);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break; /* EIO: every holder of the pty's peer is gone */
				write_all(output, buf, (size_t)n);
				total += n;
				if (!input_sent) {
					write_all(master, input, strlen(input));
					input_sent = 1;
				}
			}
			close(master);
			emit("{\"event\":\"closed\",\"bytes\":%ld}", total);
		} else {
			emit("{\"event\":\"error\",\"errno\":%d}", errno);
		}
	}

	/* Reap the command (if still running) and whatever was reparented to us. */
	if (command_pid > 0) {
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, 0);
			if (pid < 0) {
				if (errno == EINTR && !timed_out)
					continue;
				break;
			}
			note_child(pid, status, command_pid);
		}
	}
	emit("{\"event\":\"done\",\"timedOut\":%d}", (int)timed_out);
	close(output);
	fclose(report);
	return 0;
}
