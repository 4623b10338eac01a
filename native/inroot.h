/* Paths inside the container's root filesystem, resolved without escaping it. */
#ifndef SKIFF_INROOT_H
#define SKIFF_INROOT_H
#include <sys/types.h>

extern int root_fd;

/* openat2(root_fd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -1 with errno on failure. */
int open_in_root(const char *path, int flags);
/* mkdir -p inside root; returns an O_PATH fd of the directory or dies. */
int mkdir_in_root(const char *path, mode_t mode);
/* Opens the parent directory of path (creating it) and points *name at the last component. */
int parent_in_root(const char *path, char *name_out, size_t name_size);
/* "/proc/self/fd/N", the handle mount(2) accepts for an fd. */
const char *fd_path(int fd);

#endif
