/* The record channel to skiff (see PROTOCOL.md) and error reporting. */
#ifndef SKIFF_CHANNEL_H
#define SKIFF_CHANNEL_H

struct record {
	char *op;
	int argc;
	char **argv;
};

/* Where `fail` reports: stderr, then the plan channel, later the start reply FIFO. */
extern int error_fd;

/* Reads one record; returns 0, or -1 at end of stream. Dies on a malformed record. */
int read_record(int fd, struct record *r);
void free_record(struct record *r);
void send_record(int fd, const char *op, int argc, const char *const *argv);
/* Sends `error <message>` on error_fd and exits 1. */
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* strerror(err) as Go spells it (lower-case first letter). */
const char *errno_text(int err);
/* fail() with ": " and errno_text(errno) appended. */
void fail_errno(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
unsigned long long parse_u64(const char *s);
long long parse_i64(const char *s);

#endif
