/* Device rules on cgroup v2: the eBPF program skiff builds (src/cgroups/ebpf.ts) is loaded and
 * attached to the container's cgroup2 directory, since only bpf(2) can do that. */
#define _GNU_SOURCE
#include "channel.h"
#include "ops.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	fail("plan: bad hex in bpf_devices");
}

/* bpf_devices CGROUP2_DIR HEX_INSTRUCTIONS (phase 1, host view) */
void op_bpf_devices(struct record *r)
{
	if (r->argc < 2)
		fail("plan: bpf_devices needs dir and program");
	size_t hex = strlen(r->argv[1]);
	if (hex == 0 || hex % 16)
		fail("plan: bpf_devices program is not whole instructions");
	unsigned char *insns = malloc(hex / 2);
	for (size_t i = 0; i < hex / 2; i++)
		insns[i] = (unsigned char)(hex_value(r->argv[1][2 * i]) << 4 | hex_value(r->argv[1][2 * i + 1]));
	union bpf_attr load;
	memset(&load, 0, sizeof load);
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)insns;
	load.insn_cnt = (uint32_t)(hex / 16);
	load.license = (uint64_t)(uintptr_t) "Apache-2.0";
	int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
	if (prog < 0)
		fail_errno("load the device cgroup program");
	int cgroup = open(r->argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgroup < 0)
		fail_errno("open cgroup %s", r->argv[0]);
	union bpf_attr attach;
	memset(&attach, 0, sizeof attach);
	attach.target_fd = (uint32_t)cgroup;
	attach.attach_bpf_fd = (uint32_t)prog;
	attach.attach_type = BPF_CGROUP_DEVICE;
	attach.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) < 0)
		fail_errno("attach the device program to %s", r->argv[0]);
	close(cgroup);
	close(prog);
	free(insns);
}
