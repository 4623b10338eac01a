/* CVE-2019-5736: while skiff-init runs inside a container's namespaces, a process there could open
 * /proc/<pid>/exe and later write through it to the host's binary. So skiff-init first re-executes
 * itself from a sealed in-memory copy: /proc/<pid>/exe then names a file nobody can modify. */
#define _GNU_SOURCE
#include "channel.h"
#include "ops.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

void run_from_sealed_copy(char **argv, char **envp)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		fail_errno("open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS) {
		close(self); /* this is the sealed copy */
		return;
	}
	struct stat st;
	if (fstat(self, &st) < 0)
		fail_errno("stat /proc/self/exe");
	int copy = memfd_create("skiff-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0)
		fail_errno("memfd_create");
	for (off_t off = 0; off < st.st_size;)
		if (sendfile(copy, self, &off, (size_t)(st.st_size - off)) <= 0)
			fail_errno("copy skiff-init");
	close(self);
	if (fcntl(copy, F_ADD_SEALS, SEALS) < 0)
		fail_errno("seal the copy of skiff-init");
	fexecve(copy, argv, envp);
	fail_errno("execute the sealed copy of skiff-init");
}
