/*
 * checker: the in-container probe of the skiff conformance suite.
 *
 * Built static (gcc -static) and copied into every test rootfs as /checker.
 * It prints one JSON object, framed by marker lines, describing what the
 * process sees: identity, namespaces, capabilities, rlimits, mounts, and the
 * results of any probes named on the command line.
 *
 *   /checker [PROBE...]
 *
 * Probes (each adds one entry to "probes", keyed by the probe text):
 *   read:PATH       file contents (first 64 KiB) or errno
 *   stat:PATH       stat(2): type, mode, uid, gid, major/minor of rdev
 *   lstat:PATH      lstat(2), same fields, plus link target for symlinks
 *   write:PATH      open(O_WRONLY|O_CREAT|O_APPEND) and write one byte: 0 or errno
 *   mkdir:PATH      mkdir(2): 0 or errno
 *   ls:DIR          directory entry names
 *   open:PATH       open(O_RDONLY) then read one byte: 0 or errno
 *   mknod:PATH      mknod a char device 1:3 (null): 0 or errno
 *   exec:PATH       fork, execve PATH with no args, report exit status or errno
 *   syscall:NAME    call a harmless syscall (getcwd, chmod, getpid, uname, mkdir...) and report errno
 *   sleep:SECS      sleep before printing (lets a test watch a running process)
 *   pause           after printing, block until killed
 * Output always ends with "@@CHECKER-END@@" on its own line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int first_field = 1;

static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

static void key(const char *k)
{
    if (!first_field)
        putchar(',');
    first_field = 0;
    json_str(k);
    putchar(':');
}

static void kv_str(const char *k, const char *v)
{
    key(k);
    if (v)
        json_str(v);
    else
        fputs("null", stdout);
}

static void kv_int(const char *k, long long v)
{
    key(k);
    printf("%lld", v);
}

/* Reads a whole (small) file; returns malloc'd text or NULL with errno set. */
static char *slurp(const char *path, size_t limit)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = malloc(limit + 1);
    size_t n = 0;
    while (n < limit) {
        ssize_t r = read(fd, buf + n, limit - n);
        if (r < 0) {
            int e = errno;
            close(fd);
            free(buf);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    close(fd);
    return buf;
}

static void kv_file(const char *k, const char *path)
{
    char *s = slurp(path, 1 << 20);
    key(k);
    if (s) {
        json_str(s);
        free(s);
    } else {
        printf("{\"errno\":%d}", errno);
    }
}

static void stat_obj(const char *path, int use_lstat)
{
    struct stat st;
    int r = use_lstat ? lstat(path, &st) : stat(path, &st);
    if (r < 0) {
        printf("{\"errno\":%d}", errno);
        return;
    }
    const char *type = "other";
    if (S_ISREG(st.st_mode)) type = "file";
    else if (S_ISDIR(st.st_mode)) type = "dir";
    else if (S_ISCHR(st.st_mode)) type = "c";
    else if (S_ISBLK(st.st_mode)) type = "b";
    else if (S_ISFIFO(st.st_mode)) type = "p";
    else if (S_ISLNK(st.st_mode)) type = "symlink";
    else if (S_ISSOCK(st.st_mode)) type = "socket";
    printf("{\"type\":\"%s\",\"mode\":%u,\"uid\":%u,\"gid\":%u,\"major\":%u,\"minor\":%u,\"ino\":%llu,\"dev\":%llu",
           type, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid,
           major(st.st_rdev), minor(st.st_rdev), (unsigned long long)st.st_ino,
           (unsigned long long)st.st_dev);
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n >= 0) {
            target[n] = 0;
            fputs(",\"target\":", stdout);
            json_str(target);
        }
    }
    putchar('}');
}

static void namespaces(void)
{
    static const char *names[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
                                  "time", "time_for_children", "user", "uts", NULL};
    key("ns");
    putchar('{');
    int first = 1;
    for (int i = 0; names[i]; i++) {
        char path[64], link[128];
        snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
        ssize_t n = readlink(path, link, sizeof link - 1);
        if (!first)
            putchar(',');
        first = 0;
        json_str(names[i]);
        putchar(':');
        if (n < 0) {
            fputs("null", stdout);
        } else {
            link[n] = 0;
            json_str(link);
        }
    }
    putchar('}');
}

static void rlimits(void)
{
    static const struct { const char *name; int res; } lims[] = {
        {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE}, {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_RSS", RLIMIT_RSS}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK}, {NULL, 0}};
    key("rlimits");
    putchar('{');
    for (int i = 0; lims[i].name; i++) {
        struct rlimit rl;
        if (i)
            putchar(',');
        json_str(lims[i].name);
        if (getrlimit(lims[i].res, &rl) < 0) {
            printf(":null");
            continue;
        }
        /* As strings: RLIM_INFINITY does not fit a JSON double. */
        printf(":{\"soft\":\"%llu\",\"hard\":\"%llu\"}", (unsigned long long)rl.rlim_cur,
               (unsigned long long)rl.rlim_max);
    }
    putchar('}');
}

static void fds(void)
{
    key("fds");
    putchar('[');
    DIR *d = opendir("/proc/self/fd");
    int first = 1;
    int self = d ? dirfd(d) : -1;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            int fd = atoi(e->d_name);
            if (fd == self)
                continue;
            char path[64], link[512];
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(path, link, sizeof link - 1);
            link[n < 0 ? 0 : n] = 0;
            if (!first)
                putchar(',');
            first = 0;
            printf("{\"fd\":%d,\"target\":", fd);
            json_str(link);
            putchar('}');
        }
        closedir(d);
    }
    putchar(']');
}

static int do_syscall(const char *name)
{
    long r = -1;
    errno = 0;
    if (!strcmp(name, "getcwd")) {
        char buf[4096];
        r = syscall(SYS_getcwd, buf, sizeof buf);
    } else if (!strcmp(name, "getpid")) {
        r = syscall(SYS_getpid);
    } else if (!strcmp(name, "uname")) {
        struct utsname u;
        r = syscall(SYS_uname, &u);
    } else if (!strcmp(name, "chmod")) {
        r = syscall(SYS_chmod, "/", 0755);
    } else if (!strcmp(name, "mkdir")) {
        r = syscall(SYS_mkdir, "/tmp/.checker-mkdir", 0700);
        if (r == 0)
            rmdir("/tmp/.checker-mkdir");
    } else if (!strcmp(name, "getppid")) {
        r = syscall(SYS_getppid);
    } else if (!strcmp(name, "sethostname")) {
        r = syscall(SYS_sethostname, "x", 1);
    } else if (!strcmp(name, "personality")) {
        r = syscall(SYS_personality, 0xffffffffUL);
    } else {
        errno = ENOSYS;
        return -2;
    }
    return r < 0 ? errno : 0;
}

static void probe(const char *p)
{
    key(p);
    if (!strncmp(p, "read:", 5)) {
        char *s = slurp(p + 5, 65536);
        if (s) {
            putchar('{');
            fputs("\"text\":", stdout);
            json_str(s);
            putchar('}');
            free(s);
        } else {
            printf("{\"errno\":%d}", errno);
        }
    } else if (!strncmp(p, "stat:", 5)) {
        stat_obj(p + 5, 0);
    } else if (!strncmp(p, "lstat:", 6)) {
        stat_obj(p + 6, 1);
    } else if (!strncmp(p, "write:", 6)) {
        int fd = open(p + 6, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int e = 0;
        if (fd < 0)
            e = errno;
        else if (write(fd, "x", 1) != 1)
            e = errno;
        if (fd >= 0)
            close(fd);
        printf("{\"errno\":%d}", e);
    } else if (!strncmp(p, "open:", 5)) {
        int fd = open(p + 5, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        int e = 0;
        char c;
        if (fd < 0)
            e = errno;
        else if (read(fd, &c, 1) < 0)
            e = errno;
        if (fd >= 0)
            close(fd);
        printf("{\"errno\":%d}", e);
    } else if (!strncmp(p, "mkdir:", 6)) {
        int r = mkdir(p + 6, 0755);
        printf("{\"errno\":%d}", r < 0 ? errno : 0);
    } else if (!strncmp(p, "mknod:", 6)) {
        int r = mknod(p + 6, S_IFCHR | 0666, makedev(1, 3));
        printf("{\"errno\":%d}", r < 0 ? errno : 0);
    } else if (!strncmp(p, "ls:", 3)) {
        DIR *d = opendir(p + 3);
        if (!d) {
            printf("{\"errno\":%d}", errno);
            return;
        }
        fputs("{\"entries\":[", stdout);
        struct dirent *e;
        int first = 1;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            if (!first)
                putchar(',');
            first = 0;
            json_str(e->d_name);
        }
        closedir(d);
        fputs("]}", stdout);
    } else if (!strncmp(p, "exec:", 5)) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_RDWR);
            if (devnull >= 0) {
                dup2(devnull, 1);
                dup2(devnull, 2);
            }
            char *argv[] = {(char *)(p + 5), NULL};
            execve(p + 5, argv, environ);
            int e = errno;
            _exit(e > 150 ? 250 : 100 + e);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
            printf("{\"errno\":%d}", WEXITSTATUS(status) - 100);
        else if (WIFEXITED(status))
            printf("{\"errno\":0,\"exit\":%d}", WEXITSTATUS(status));
        else
            printf("{\"errno\":0,\"signal\":%d}", WTERMSIG(status));
    } else if (!strncmp(p, "syscall:", 8)) {
        int e = do_syscall(p + 8);
        printf("{\"errno\":%d}", e);
    } else {
        fputs("{\"error\":\"unknown probe\"}", stdout);
    }
}

/*
 * Host-side seccomp agent for the listenerPath cases:
 *   checker agent SOCKPATH OUTFILE
 * Listens (AF_UNIX, SOCK_STREAM), accepts one connection, reads until EOF (5 s limit),
 * and writes {"chunks":N,"fds":[per-chunk fd counts],"eof":0|1,"payload":"..."} to OUTFILE.
 */
static int agent(const char *sock, const char *out)
{
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, sock, sizeof addr.sun_path - 1);
    unlink(sock);
    if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 4) < 0)
        return 1;
    /* Tell the suite we listen: it waits for OUTFILE.ready. */
    char ready[4200];
    snprintf(ready, sizeof ready, "%s.ready", out);
    close(open(ready, O_WRONLY | O_CREAT, 0644));
    int c = accept(l, NULL, NULL);
    if (c < 0)
        return 1;
    static char payload[1 << 16];
    size_t len = 0;
    int fdcounts[64], chunks = 0, eof = 0;
    for (;;) {
        struct pollfd p = {.fd = c, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            break;
        char buf[8192];
        char cbuf[CMSG_SPACE(sizeof(int) * 16)];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
        ssize_t n = recvmsg(c, &m, 0);
        if (n <= 0) {
            eof = n == 0;
            break;
        }
        int nfds = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
            if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
                int k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int *fdp = (int *)CMSG_DATA(h);
                for (int i = 0; i < k; i++)
                    close(fdp[i]); /* closing the notify fd lets blocked syscalls fail */
                nfds += k;
            }
        if (chunks < 64)
            fdcounts[chunks] = nfds;
        chunks++;
        if (len + (size_t)n < sizeof payload - 1) {
            memcpy(payload + len, buf, (size_t)n);
            len += (size_t)n;
        }
    }
    payload[len] = 0;
    FILE *f = fopen(out, "w");
    if (!f)
        return 1;
    FILE *saved = stdout;
    stdout = f;
    printf("{\"chunks\":%d,\"eof\":%d,\"fds\":[", chunks, eof);
    for (int i = 0; i < chunks && i < 64; i++)
        printf(i ? ",%d" : "%d", fdcounts[i]);
    printf("],\"payload\":");
    json_str(payload);
    printf("}\n");
    stdout = saved;
    fclose(f);
    close(c);
    close(l);
    unlink(sock);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "agent"))
        return agent(argv[2], argv[3]);
    int do_pause = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "sleep:", 6))
            sleep((unsigned)atoi(argv[i] + 6));
        if (!strcmp(argv[i], "pause"))
            do_pause = 1;
    }

    /* Read umask without keeping the change. */
    mode_t mask = umask(0);
    umask(mask);

    fputs("@@CHECKER-BEGIN@@\n{", stdout);
    kv_int("pid", getpid());
    kv_int("ppid", getppid());
    kv_int("uid", getuid());
    kv_int("euid", geteuid());
    kv_int("gid", getgid());
    kv_int("egid", getegid());
    {
        gid_t groups[256];
        int n = getgroups(256, groups);
        key("groups");
        putchar('[');
        for (int i = 0; i < n; i++)
            printf(i ? ",%u" : "%u", (unsigned)groups[i]);
        putchar(']');
    }
    kv_int("umask", mask);
    {
        char cwd[4096];
        kv_str("cwd", getcwd(cwd, sizeof cwd) ? cwd : NULL);
    }
    {
        key("env");
        putchar('[');
        for (char **e = environ; e && *e; e++) {
            if (e != environ)
                putchar(',');
            json_str(*e);
        }
        putchar(']');
    }
    {
        struct utsname u;
        uname(&u);
        kv_str("hostname", u.nodename);
        kv_str("domainname", u.domainname);
        kv_str("machine", u.machine);
    }
    kv_int("personality", personality(0xffffffff));
    kv_int("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    kv_int("dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    kv_int("seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    {
        key("sched");
        int pol = sched_getscheduler(0);
        struct sched_param sp = {0};
        sched_getparam(0, &sp);
        errno = 0;
        int nice = getpriority(PRIO_PROCESS, 0);
        printf("{\"policy\":%d,\"priority\":%d,\"nice\":%d}", pol, sp.sched_priority, nice);
    }
    {
        int mode = -1;
        unsigned long mask[16] = {0};
        if (syscall(SYS_get_mempolicy, &mode, mask, sizeof mask * 8, NULL, 0) < 0)
            mode = -errno;
        kv_int("mempolicy", mode);
        kv_int("mempolicy_nodes", (long long)mask[0]);
    }
    /* IOPRIO_WHO_PROCESS = 1 */
    kv_int("ioprio", syscall(SYS_ioprio_get, 1, 0));
    {
        cpu_set_t set;
        key("cpus");
        putchar('[');
        if (sched_getaffinity(0, sizeof set, &set) == 0) {
            int first = 1;
            for (int i = 0; i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &set)) {
                    printf(first ? "%d" : ",%d", i);
                    first = 0;
                }
        }
        putchar(']');
    }
    {
        struct timespec mono, boot;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        clock_gettime(CLOCK_BOOTTIME, &boot);
        key("clocks");
        printf("{\"monotonic\":%lld,\"boottime\":%lld}", (long long)mono.tv_sec, (long long)boot.tv_sec);
    }
    {
        key("tty");
        printf("[%d,%d,%d]", isatty(0), isatty(1), isatty(2));
    }
    namespaces();
    rlimits();
    fds();
    kv_file("status", "/proc/self/status");
    kv_file("mountinfo", "/proc/self/mountinfo");
    kv_file("cgroup", "/proc/self/cgroup");
    kv_file("oom_score_adj", "/proc/self/oom_score_adj");

    key("probes");
    putchar('{');
    first_field = 1;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "sleep:", 6) || !strcmp(argv[i], "pause"))
            continue;
        probe(argv[i]);
    }
    putchar('}');
    fputs("}\n@@CHECKER-END@@\n", stdout);
    fflush(stdout);

    if (do_pause)
        for (;;)
            pause();
    return 0;
}
