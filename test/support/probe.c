/*
 * probe: a tiny daemon for the OpenRC and FreeBSD rc.d integration tests.
 *
 * On start it writes what it sees (argv, environment, uid/gid, supplementary
 * groups, cwd, umask, RLIMIT_NOFILE, nice) to probe.<pid> beside its own
 * executable, one "key value" line each, strings hex-encoded so every byte survives.
 * It then waits for signals, appending each one it gets to probe.<pid>.signals.
 * TERM, INT and QUIT end it (exit 0).
 *
 * Arguments it acts on (all others are only recorded):
 *   probe:daemonize=PIDFILE  fork, setsid, write PIDFILE, parent exits 0
 *   probe:exit=N             exit with status N one second after start
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;
static char dir[PATH_MAX];
static volatile sig_atomic_t last_signal;

static void hex(FILE *f, const char *key, const char *s) {
  fprintf(f, "%s ", key);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) fprintf(f, "%02x", *p);
  fputc('\n', f);
}

static void on_signal(int sig) { last_signal = sig; }

static void record(int argc, char **argv) {
  char tmp[PATH_MAX + 64], final[PATH_MAX + 64], cwd[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.probe.%d.tmp", dir, (int)getpid());
  snprintf(final, sizeof final, "%s/probe.%d", dir, (int)getpid());
  FILE *f = fopen(tmp, "w");
  if (!f) _exit(111);
  fprintf(f, "pid %d\nppid %d\nuid %d\neuid %d\ngid %d\negid %d\n", (int)getpid(),
          (int)getppid(), (int)getuid(), (int)geteuid(), (int)getgid(), (int)getegid());
  mode_t m = umask(0);
  umask(m);
  fprintf(f, "umask %04o\n", (unsigned)m);
  gid_t groups[256];
  int ngroups = getgroups(256, groups);
  fprintf(f, "groups");
  for (int i = 0; i < ngroups; i++) fprintf(f, " %d", (int)groups[i]);
  fputc('\n', f);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  fprintf(f, "nofile %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  errno = 0;
  fprintf(f, "nice %d\n", getpriority(PRIO_PROCESS, 0));
  if (getcwd(cwd, sizeof cwd)) hex(f, "cwd", cwd);
  for (int i = 0; i < argc; i++) hex(f, "arg", argv[i]);
  for (char **e = environ; *e; e++) hex(f, "env", *e);
  fclose(f);
  chmod(tmp, 0644);
  rename(tmp, final);
}

int main(int argc, char **argv) {
  ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
  if (n <= 0) return 112;
  dir[n] = 0;
  *strrchr(dir, '/') = 0;

  const char *daemon_pidfile = NULL;
  int exit_after = -1;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "probe:daemonize=", 16) == 0) daemon_pidfile = argv[i] + 16;
    if (strncmp(argv[i], "probe:exit=", 11) == 0) exit_after = atoi(argv[i] + 11);
  }
  if (daemon_pidfile) {
    pid_t child = fork();
    if (child < 0) return 113;
    if (child > 0) {
      /* wait until the child has written its pidfile, as a forking daemon should */
      for (int i = 0; i < 100 && access(daemon_pidfile, F_OK) != 0; i++) usleep(20000);
      return 0;
    }
    setsid();
    int fd = open("/dev/null", O_RDWR);
    dup2(fd, 0); dup2(fd, 1); dup2(fd, 2);
    FILE *p = fopen(daemon_pidfile, "w");
    if (!p) _exit(114);
    fprintf(p, "%d\n", (int)getpid());
    fclose(p);
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  int sigs[] = {SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGQUIT, SIGWINCH};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);

  record(argc, argv);
  printf("probe %d started\n", (int)getpid());
  fprintf(stderr, "probe %d stderr\n", (int)getpid());
  fflush(stdout);

  char sigpath[PATH_MAX + 64];
  snprintf(sigpath, sizeof sigpath, "%s/probe.%d.signals", dir, (int)getpid());
  int ticks = 0;
  for (;;) {
    usleep(50000);
    if (exit_after >= 0 && ++ticks >= 20) return exit_after;
    int sig = last_signal;
    if (!sig) continue;
    last_signal = 0;
    FILE *s = fopen(sigpath, "a");
    if (s) { fprintf(s, "%d\n", sig); fclose(s); }
    if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) return 0;
  }
}
