/* Netstring records over the plan channel, with a small buffered reader. */
#define _GNU_SOURCE
#include "channel.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int error_fd = -1;

static char buf[65536];
static size_t buf_start, buf_end;

/* Returns the next byte, or -1 at end of stream. */
static int next_byte(int fd)
{
	if (buf_start == buf_end) {
		ssize_t n;
		do
			n = read(fd, buf, sizeof buf);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return -1;
		buf_start = 0;
		buf_end = (size_t)n;
	}
	return (unsigned char)buf[buf_start++];
}

/* Reads one netstring into a fresh NUL-terminated string. */
static char *read_netstring(int fd, int *eof)
{
	size_t len = 0;
	int c, digits = 0;
	while ((c = next_byte(fd)) >= '0' && c <= '9') {
		len = len * 10 + (size_t)(c - '0');
		digits++;
		if (len > (64u << 20))
			fail("plan: netstring too long");
	}
	if (c < 0 && digits == 0) {
		*eof = 1;
		return NULL;
	}
	if (c != ':')
		fail("plan: malformed netstring");
	char *s = malloc(len + 1);
	if (!s)
		fail("plan: out of memory");
	for (size_t i = 0; i < len; i++) {
		c = next_byte(fd);
		if (c < 0)
			fail("plan: truncated netstring");
		s[i] = (char)c;
	}
	s[len] = 0;
	if (next_byte(fd) != ',')
		fail("plan: netstring without comma");
	return s;
}

int read_record(int fd, struct record *r)
{
	int eof = 0;
	r->op = read_netstring(fd, &eof);
	if (eof)
		return -1;
	char *count = read_netstring(fd, &eof);
	if (eof)
		fail("plan: record without argument count");
	r->argc = atoi(count);
	free(count);
	r->argv = calloc((size_t)r->argc + 1, sizeof(char *));
	if (!r->argv)
		fail("plan: out of memory");
	for (int i = 0; i < r->argc; i++) {
		r->argv[i] = read_netstring(fd, &eof);
		if (eof)
			fail("plan: truncated record %s", r->op);
	}
	return 0;
}

void free_record(struct record *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->op);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Appends netstring(s) to buf at *len (buf has room: see send_record). */
static void put_netstring(char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	*len += (size_t)sprintf(buf + *len, "%zu:", n);
	memcpy(buf + *len, s, n);
	*len += n;
	buf[(*len)++] = ',';
}

/* One write per record: P and C share the pipe to skiff, and a write of up to PIPE_BUF bytes is
 * not interleaved with another's (C may report an error while P reports the pid). */
void send_record(int fd, const char *op, int argc, const char *const *argv)
{
	char count[16];
	snprintf(count, sizeof count, "%d", argc);
	size_t size = strlen(op) + strlen(count) + 2 * 24;
	for (int i = 0; i < argc; i++)
		size += strlen(argv[i]) + 24;
	char *buf = malloc(size);
	if (!buf)
		_exit(1);
	size_t len = 0;
	put_netstring(buf, &len, op);
	put_netstring(buf, &len, count);
	for (int i = 0; i < argc; i++)
		put_netstring(buf, &len, argv[i]);
	write_all(fd, buf, len);
	free(buf);
}

static void __attribute__((noreturn)) vfail(const char *suffix, const char *fmt, va_list ap)
{
	char msg[4000]; /* with its record, within PIPE_BUF (see send_record) */
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (suffix && n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, ": %s", suffix);
	const char *args[] = {msg};
	if (error_fd >= 0)
		send_record(error_fd, "error", 1, args);
	else
		dprintf(2, "skiff-init: %s\n", msg);
	_exit(1);
}

void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(NULL, fmt, ap);
}

const char *errno_text(int err)
{
	/* As Go spells them, so that runc's callers' checks on messages hold ("no such file or
	 * directory", "permission denied"): strerror's text with a lower-case first letter. */
	static char text[128];
	snprintf(text, sizeof text, "%s", strerror(err));
	if (text[0] >= 'A' && text[0] <= 'Z')
		text[0] = (char)(text[0] - 'A' + 'a');
	return text;
}

void fail_errno(const char *fmt, ...)
{
	const char *reason = errno_text(errno);
	va_list ap;
	va_start(ap, fmt);
	vfail(reason, fmt, ap);
}

unsigned long long parse_u64(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *s == 0 || *end)
		fail("plan: bad number \"%s\"", s);
	return v;
}

long long parse_i64(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || *s == 0 || *end)
		fail("plan: bad number \"%s\"", s);
	return v;
}
