/* Seccomp: skiff sends the profile as records; libseccomp builds and loads the filter. */
#define _GNU_SOURCE
#include "channel.h"
#include "ops.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static scmp_filter_ctx filter;
static int listener = -1;

/* Phase 1 (host view): connect to linux.seccomp.listenerPath, before any namespace changes. */
void op_seccomp_listener(struct record *r)
{
	if (r->argc < 2)
		fail("plan: seccomp_listener needs dir and name");
	listener = connect_unix(r->argv[0], r->argv[1], "seccomp listener");
}

/* Actions arrive as names with their errno/trace value: ACTION VALUE. */
static uint32_t action(const char *name, const char *value)
{
	uint32_t v = (uint32_t)parse_u64(value);
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD")) return SCMP_ACT_KILL_THREAD;
	if (!strcmp(name, "SCMP_ACT_KILL_PROCESS")) return SCMP_ACT_KILL_PROCESS;
	if (!strcmp(name, "SCMP_ACT_TRAP")) return SCMP_ACT_TRAP;
	if (!strcmp(name, "SCMP_ACT_ERRNO")) return SCMP_ACT_ERRNO(v);
	if (!strcmp(name, "SCMP_ACT_TRACE")) return SCMP_ACT_TRACE(v);
	if (!strcmp(name, "SCMP_ACT_ALLOW")) return SCMP_ACT_ALLOW;
	if (!strcmp(name, "SCMP_ACT_LOG")) return SCMP_ACT_LOG;
	if (!strcmp(name, "SCMP_ACT_NOTIFY")) return SCMP_ACT_NOTIFY;
	fail("seccomp: unsupported action %s", name);
}

/* seccomp_init DEFAULT_ACTION VALUE */
void op_seccomp_init(struct record *r)
{
	if (r->argc < 2)
		fail("plan: seccomp_init needs action value");
	filter = seccomp_init(action(r->argv[0], r->argv[1]));
	if (!filter)
		fail("seccomp: cannot initialise the filter");
	if (seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 0) < 0)
		fail("seccomp: cannot leave no_new_privs to the plan");
}

/* seccomp_arch NAME (libseccomp's name, e.g. x86_64); unknown ones are skipped. */
void op_seccomp_arch(struct record *r)
{
	uint32_t arch = seccomp_arch_resolve_name(r->argv[0]);
	if (!arch)
		return;
	int rc = seccomp_arch_add(filter, arch);
	if (rc < 0 && rc != -EEXIST)
		fail("seccomp: add architecture %s: %s", r->argv[0], errno_text(-rc));
}

/* seccomp_flag NAME */
void op_seccomp_flag(struct record *r)
{
	const char *f = r->argv[0];
	enum scmp_filter_attr attr;
	if (!strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC")) attr = SCMP_FLTATR_CTL_TSYNC;
	else if (!strcmp(f, "SECCOMP_FILTER_FLAG_LOG")) attr = SCMP_FLTATR_CTL_LOG;
	else if (!strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) attr = SCMP_FLTATR_CTL_SSB;
	else fail("seccomp: unsupported flag %s", f);
	int rc = seccomp_attr_set(filter, attr, 1);
	if (rc < 0)
		fail("seccomp: flag %s: %s", f, errno_text(-rc));
}

/* seccomp_rule ACTION VALUE SYSCALL NCOND [INDEX VALUE VALUE_TWO OP]...
 * A syscall this libseccomp or architecture does not know is skipped, as runc does. */
void op_seccomp_rule(struct record *r)
{
	if (r->argc < 4)
		fail("plan: seccomp_rule needs action value syscall ncond");
	int nr = seccomp_syscall_resolve_name(r->argv[2]);
	if (nr == __NR_SCMP_ERROR) {
		char msg[256];
		snprintf(msg, sizeof msg, "seccomp: syscall %s is unknown to libseccomp here; its rule is skipped", r->argv[2]);
		const char *args[] = {"debug", msg};
		send_record(error_fd, "log", 2, args);
		return;
	}
	unsigned n = (unsigned)parse_u64(r->argv[3]);
	if (r->argc < 4 + 4 * (int)n || n > 6)
		fail("plan: seccomp_rule has a bad condition count");
	struct scmp_arg_cmp cmp[6];
	for (unsigned i = 0; i < n; i++) {
		char **a = r->argv + 4 + 4 * i;
		cmp[i] = (struct scmp_arg_cmp){
			.arg = (unsigned)parse_u64(a[0]),
			.datum_a = parse_u64(a[1]),
			.datum_b = parse_u64(a[2]),
			.op = (enum scmp_compare)parse_u64(a[3]),
		};
	}
	int rc = seccomp_rule_add_array(filter, action(r->argv[0], r->argv[1]), nr, n, cmp);
	if (rc < 0)
		fail("seccomp: rule for %s: %s", r->argv[2], errno_text(-rc));
}

/* seccomp_load [STATE]: load; with a listener, send it the notify fd and the container process
 * state (JSON made by skiff), then close the connection (one state per connection). */
void op_seccomp_load(struct record *r)
{
	int rc = seccomp_load(filter);
	if (rc < 0)
		fail("seccomp: load the filter: %s", errno_text(-rc));
	if (listener >= 0) {
		int notify = seccomp_notify_fd(filter);
		if (notify < 0)
			fail("seccomp: no notify fd: %s", errno_text(-notify));
		send_fd(listener, notify, r->argc > 0 ? r->argv[0] : "{}");
		close(notify);
		close(listener);
		listener = -1;
	}
	seccomp_release(filter);
	filter = NULL;
}
