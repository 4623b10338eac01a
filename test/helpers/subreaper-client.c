/*
 * Plays a container manager such as containerd's shim or conmon: it makes
 * itself a child subreaper, runs `create` and `start`, and checks that the
 * container's init is its own child afterwards (no runtime process stands in
 * between) and that it can reap init and read its exit status.
 *
 *   subreaper-client <runtime> <state root> <bundle> <id> <pid file>
 *
 * Prints one JSON line:
 *   {"self":N,"pid":N,"ppid":N,"createCode":N,"startCode":N,"waited":N,"exitCode":N,"signal":N}
 * where ppid is init's parent right after create returned and "waited" is what
 * waitpid(pid) returned (-1 when init was not our child). A code of -1 means
 * the runtime did not exit normally.
 *
 * A separate program because a subreaper keeps every orphan below it, which
 * the jest process must not do. Compiled on first use by test/helpers/subreaper.ts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run_runtime(char *const argv[]) {
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long read_pid_file(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) return 0;
  long pid = 0;
  if (fscanf(f, "%ld", &pid) != 1) pid = 0;
  fclose(f);
  return pid;
}

static long parent_of(long pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[256];
  long ppid = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "PPid:", 5) == 0) {
      ppid = strtol(line + 5, NULL, 10);
      break;
    }
  }
  fclose(f);
  return ppid;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s runtime root bundle id pidfile\n", argv[0]);
    return 2;
  }
  char *runtime = argv[1], *root = argv[2], *bundle = argv[3], *id = argv[4], *pid_file = argv[5];
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    perror("prctl(PR_SET_CHILD_SUBREAPER)");
    return 1;
  }
  long pid = 0, ppid = 0;
  int waited = 0, exit_code = -1, signal_number = 0, start_code = -1;

  char *create_argv[] = {runtime, "--root", root, "create", "--bundle", bundle, "--pid-file", pid_file, id, NULL};
  int create_code = run_runtime(create_argv);
  if (create_code == 0) {
    pid = read_pid_file(pid_file);
    ppid = pid > 0 ? parent_of(pid) : 0;
    char *start_argv[] = {runtime, "--root", root, "start", id, NULL};
    start_code = run_runtime(start_argv);
    if (pid > 0) {
      /* Poll for up to 10 s so that a runtime which keeps init to itself cannot hang us. */
      int status = 0;
      for (int i = 0; i < 500; i++) {
        waited = waitpid((pid_t)pid, &status, WNOHANG);
        if (waited != 0) break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
      }
      if (waited == pid) {
        if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status)) signal_number = WTERMSIG(status);
      }
    }
  }
  /* Reap whatever else was reparented to us (nothing, for a well-behaved runtime). */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  printf("{\"self\":%ld,\"pid\":%ld,\"ppid\":%ld,\"createCode\":%d,\"startCode\":%d,\"waited\":%d,\"exitCode\":%d,\"signal\":%d}\n",
         (long)getpid(), pid, ppid, create_code, start_code, waited, exit_code, signal_number);
  return 0;
}
