/* Terminals: the container's pty, made inside its devpts, handed to the caller's console socket. */
#define _GNU_SOURCE
#include "channel.h"
#include "inroot.h"
#include "ops.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int console_socket = -1;
static int pty_slave = -1;

/* Connects to the UNIX socket dir/name through the directory's fd, so long paths fit in sun_path. */
int connect_unix(const char *dir_path, const char *name, const char *what)
{
	int dir = open(dir_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		fail_errno("open %s directory %s", what, dir_path);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir, name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		fail_errno("connect to %s %s/%s", what, dir_path, name);
	close(dir);
	return fd;
}

/* Phase 1 (host view): connect to the caller's console socket; the container init inherits it. */
void op_console_socket(struct record *r)
{
	if (r->argc < 2)
		fail("plan: console_socket needs dir and name");
	console_socket = connect_unix(r->argv[0], r->argv[1], "console socket");
}

void send_fd(int sock, int fd, const char *name)
{
	char control[CMSG_SPACE(sizeof(int))];
	memset(control, 0, sizeof control);
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		fail_errno("send the console to the console socket");
}

/* After the root is in place: a pty from the container's /dev/ptmx; its peer becomes stdio and
 * /dev/console (when mount is 1); the master goes to the console socket. Args: rows cols mount. */
void op_console(struct record *r)
{
	if (r->argc < 3)
		fail("plan: console needs rows cols mount");
	if (console_socket < 0)
		fail("plan: console without a console socket");
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail_errno("open /dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail_errno("unlock pty");
	unsigned int n;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		fail_errno("pty number");
	pty_slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty_slave < 0)
		fail_errno("open pty peer");
	struct winsize size = {.ws_row = (unsigned short)parse_u64(r->argv[0]), .ws_col = (unsigned short)parse_u64(r->argv[1])};
	if (size.ws_row && size.ws_col && ioctl(master, TIOCSWINSZ, &size) < 0)
		fail_errno("set console size");
	char name[64];
	snprintf(name, sizeof name, "/dev/pts/%u", n);
	if (parse_u64(r->argv[2])) {
		int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
			fail_errno("bind %s to /dev/console", name);
	}
	send_fd(console_socket, master, name);
	close(master);
	close(console_socket);
	console_socket = -1;
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(pty_slave, fd) < 0)
			fail_errno("pty as stdio");
}

/* The pty becomes our controlling terminal (we are a session leader by now). */
void op_ctty(struct record *r)
{
	(void)r;
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		fail_errno("set controlling terminal");
}

/* Foreground run with a terminal: P keeps one end of a socket pair, C gets the other as its
 * console socket; P then receives the master and relays it to its own stdio. */
static int proxy_end = -1;

void op_console_pair(struct record *r)
{
	(void)r;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		fail_errno("console socket pair");
	proxy_end = sv[0];
	console_socket = sv[1];
}

void console_after_clone(int in_child)
{
	if (in_child && proxy_end >= 0) {
		close(proxy_end);
		proxy_end = -1;
	} else if (!in_child && console_socket >= 0) {
		close(console_socket);
		console_socket = -1;
	}
}

int console_proxy_wanted(void) { return proxy_end >= 0; }

static int receive_fd(int sock)
{
	char data[128], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
	return fd;
}

static volatile sig_atomic_t resized = 1;
static void on_winch(int sig) { (void)sig; resized = 1; }

static int copy_once(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof buf);
	if (n <= 0)
		return n == 0 || errno != EINTR ? -1 : 0;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno != EINTR)
			return -1;
		if (w > 0)
			off += w;
	}
	return 0;
}

/* Relays stdin to the pty and the pty to stdout until the container's init exits; stdin is put
 * in raw mode (restored after) when it is a terminal. Returns the init's wait status. */
int console_proxy(pid_t child)
{
	int master = receive_fd(proxy_end);
	close(proxy_end);
	int status = 0;
	if (master < 0) {
		waitpid(child, &status, 0);
		return status;
	}
	struct termios saved;
	int raw = tcgetattr(0, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	}
	struct sigaction sa = {.sa_handler = on_winch};
	sigaction(SIGWINCH, &sa, NULL);
	int stdin_open = 1;
	for (;;) {
		if (resized && raw) {
			struct winsize ws;
			if (ioctl(0, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		}
		resized = 0;
		struct pollfd fds[2] = {{.fd = master, .events = POLLIN}, {.fd = stdin_open ? 0 : -1, .events = POLLIN}};
		int n = poll(fds, 2, 100);
		if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && copy_once(master, 1) < 0)
			break; /* every writer of the pty is gone */
		if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && copy_once(0, master) < 0)
			stdin_open = 0;
		if (waitpid(child, &status, WNOHANG) == child) {
			/* Drain what the container wrote last. */
			while (poll(fds, 1, 0) > 0 && (fds[0].revents & POLLIN) && copy_once(master, 1) == 0)
				;
			child = -1;
			break;
		}
	}
	if (child > 0)
		waitpid(child, &status, 0);
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	close(master);
	return status;
}
