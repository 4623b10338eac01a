/* no-clone3 PROGRAM ARGS...: runs PROGRAM with clone3 failing with ENOSYS, as Docker's default
 * seccomp profile has it (so that what runs there falls back to clone). The filter is libseccomp's. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no-clone3 PROGRAM ARGS...\n");
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), seccomp_syscall_resolve_name("clone3"), 0) < 0 || seccomp_load(ctx) < 0) {
		fprintf(stderr, "no-clone3: cannot load the seccomp filter\n");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
