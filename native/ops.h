/* The operations of the plan, grouped by what they act on. */
#ifndef SKIFF_OPS_H
#define SKIFF_OPS_H
#include "channel.h"

/* Filesystem: mounts, device nodes, links, pivot_root (ops_fs.c). */
void op_mount_host(struct record *r);
void op_rootfs(struct record *r);
void op_mkdir(struct record *r);
void op_mkfile(struct record *r);
void op_mount(struct record *r);
void op_remount(struct record *r);
void op_setattr(struct record *r);
void op_mknod(struct record *r);
void op_symlink(struct record *r);
void op_mask(struct record *r);
void op_readonly(struct record *r);
void op_pivot_root(struct record *r);
void op_chroot(struct record *r);

/* Process: identity, capabilities, limits, exec (ops_process.c). */
void op_become_root(struct record *r);
void op_rlimit(struct record *r);
void op_bounding(struct record *r);
void op_user(struct record *r);
void op_caps(struct record *r);
void op_check_exec(struct record *r);
void op_exec(struct record *r);

/* Terminals (console.c). */
void op_console_socket(struct record *r);
void op_console(struct record *r);
void op_ctty(struct record *r);
void op_console_pair(struct record *r);
/* After clone: each side closes the other's end of the console pair. */
void console_after_clone(int in_child);
int console_proxy_wanted(void);
/* P in a foreground run: relay the pty, return the init's wait status. */
int console_proxy(int child);

/* Seccomp through libseccomp (seccomp.c). */
void op_seccomp_init(struct record *r);
void op_seccomp_arch(struct record *r);
void op_seccomp_flag(struct record *r);
void op_seccomp_rule(struct record *r);
void op_seccomp_load(struct record *r);
void op_seccomp_listener(struct record *r);

/* tmpcopyup (copyup.c). */
void op_copyup_open(struct record *r);
void op_copyup(struct record *r);

/* Device rules on cgroup v2 (bpf_devices.c). */
void op_bpf_devices(struct record *r);

/* UNIX socket helpers (console.c). */
int connect_unix(const char *dir_path, const char *name, const char *what);
void send_fd(int sock, int fd, const char *payload);

/* Re-execute from a sealed memfd copy unless already running from one (sealed.c). */
void run_from_sealed_copy(char **argv, char **envp);

/* Hooks run from inside the container's namespaces (hook.c). */
void op_hook(struct record *r);

#endif
