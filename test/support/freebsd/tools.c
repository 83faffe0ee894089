/*
 * Test stand-ins for the FreeBSD programs generated rc.d scripts call, so
 * that init-service's tests can run them on Linux. Written from the FreeBSD
 * manual pages (daemon(8), chroot(8), limits(1), su(1)) for what the scripts
 * use; they are not FreeBSD's code. One binary, dispatched on argv[0]:
 *
 *   daemon [-cfHr] [-p child_pidfile] [-P supervisor_pidfile] [-u user]
 *          [-o output_file] [-m mask] [-R secs] [-t title] command args...
 *       Detaches (fork, setsid; stdio to /dev/null with -f), locks and writes
 *       the pidfiles (0600, "already running" exit 3 while locked), then in
 *       supervision mode forks the command, forwards SIGTERM to it, appends
 *       its stdout/stderr (per -m) to -o, reopens -o on SIGHUP with -H (and
 *       dies of SIGHUP without it, as FreeBSD's does), restarts it after 1 s
 *       (-r) or -R s, removes the pidfiles when it ends. Its title becomes
 *       "daemon: TITLE[PID]". -u does what FreeBSD's does through
 *       setusercontext(LOGIN_SETALL) with the stock "default" login class:
 *       priority 0, umask 022, resource limits raised, LANG/PATH reset, user's
 *       groups, then HOME, USER and SHELL.
 *   chroot [-u user] [-g group] [-G group,...] newroot [command args...]
 *       chdir(newroot), chroot("."), setgroups/setgid/setuid as given (no
 *       initgroups: without -g the group stays), then execvp.
 *   limits [-C class] [-U user] [-SHB] [-n|-u|-c|-d|-s|-t|-f|-v|-m|-l value]...
 *          [name=value...] command args...
 *       Sets each limit (soft and hard, or as -S/-H say; "infinity" or a
 *       number) and environment variable, then execvp. Login classes are not
 *       read: -C and -U are accepted and ignored.
 *   su -m login [args...]
 *       As FreeBSD's su -m run by root: the user's groups and uid; umask,
 *       priority, limits and environment kept; the args go to the shell, so
 *       "su -m www -c 'cmd'" runs sh -c 'cmd'. FreeBSD runs root's login
 *       shell there (csh before 14.0); this runs /bin/sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "tools";

static void die(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(code);
}

static struct passwd *user_or_die(const char *name) {
  struct passwd *pw = getpwnam(name);
  if (!pw) die(1, "unknown user: %s", name);
  return pw;
}

static gid_t group_or_die(const char *name) {
  struct group *gr = getgrnam(name);
  if (!gr) die(1, "no such group `%s'", name);
  return gr->gr_gid;
}

/* ---------------------------------------------------------------- daemon */

static volatile sig_atomic_t terminate, child_gone, reopen;
static volatile pid_t child;

static void on_term(int sig) {
  if (child > 0 && !child_gone) kill(child, sig);
  terminate = 1;
}
static void on_chld(int sig) {
  (void)sig;
  int status;
  pid_t p;
  while ((p = waitpid(-1, &status, WNOHANG)) > 0)
    if (p == child) child_gone = 1;
}
static void on_hup(int sig) {
  (void)sig;
  reopen = 1;
}

static int open_pidfile(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) die(2, "pidfile ``%s'': %s", path, strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = "";
    int r = open(path, O_RDONLY);
    if (r >= 0) {
      ssize_t n = read(r, buf, sizeof buf - 1);
      buf[n > 0 ? n : 0] = 0;
      close(r);
    }
    die(3, "process already running, pid: %d", atoi(buf));
  }
  return fd;
}

static void write_pid(int fd, pid_t pid) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", (int)pid);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, n, 0) != n) die(2, "cannot write pidfile");
}

static void set_title(int argc, char **argv, const char *title, pid_t pid) {
  char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]);
  size_t room = end - start;
  char text[256];
  snprintf(text, sizeof text, "daemon: %s[%d]", title, (int)pid);
  memset(start, 0, room);
  strncpy(start, text, room);
}

/* What setusercontext(3) with LOGIN_SETALL does for the stock "default" class. */
static void restrict_process(const char *name) {
  struct passwd *pw = user_or_die(name);
  setpriority(PRIO_PROCESS, 0, 0);
  if (setgid(pw->pw_gid) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0) die(1, "failed to set user environment");
  umask(022);
  struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY}, files;
  setrlimit(RLIMIT_NPROC, &inf);
  setrlimit(RLIMIT_CORE, &inf);
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  setenv("PATH", "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin", 1);
  setenv("LANG", "C.UTF-8", 1);
  if (setuid(pw->pw_uid) != 0) die(1, "failed to set user environment");
  setenv("USER", pw->pw_name, 1);
  setenv("HOME", pw->pw_dir, 1);
  setenv("SHELL", *pw->pw_shell ? pw->pw_shell : "/bin/sh", 1);
}

static int open_log(const char *path) {
  return open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
}

static int daemon_main(int argc, char **argv) {
  int opt, close_fds = 0, chdir_root = 0, hup_reopen = 0, restart = 0, delay = 1, mask = 3, supervise = 0;
  const char *child_pidfile = NULL, *parent_pidfile = NULL, *user = NULL, *output = NULL, *title = NULL;
  while ((opt = getopt(argc, argv, "+cfHSp:P:ru:o:s:l:t:m:R:T:")) != -1) {
    switch (opt) {
    case 'c': chdir_root = 1; break;
    case 'f': close_fds = 1; break;
    case 'H': hup_reopen = 1; break;
    case 'p': child_pidfile = optarg; supervise = 1; break;
    case 'P': parent_pidfile = optarg; supervise = 1; break;
    case 'r': restart = 1; supervise = 1; break;
    case 'R': restart = 1; delay = atoi(optarg); if (delay < 1) die(6, "invalid restart delay"); break;
    case 'u': user = optarg; break;
    case 'o': output = optarg; supervise = 1; break;
    case 'm': mask = atoi(optarg); if (mask < 0 || mask > 3) die(6, "unrecognized listening mask"); break;
    case 't': title = optarg; break;
    case 'S': case 's': case 'l': case 'T': supervise = 1; break;
    default: die(1, "usage: daemon [-cfHrS] [-p child_pidfile] [-P supervisor_pidfile] ... command arguments ...");
    }
  }
  if (optind >= argc) die(1, "usage: daemon ... command arguments ...");
  /* Copies: the title is written over the argv strings. */
  char **cmd = calloc(argc - optind + 1, sizeof *cmd);
  for (int i = optind; i < argc; i++) cmd[i - optind] = strdup(argv[i]);
  title = strdup(title ? title : cmd[0]);
  child_pidfile = child_pidfile ? strdup(child_pidfile) : NULL;
  parent_pidfile = parent_pidfile ? strdup(parent_pidfile) : NULL;
  output = output ? strdup(output) : NULL;
  user = user ? strdup(user) : NULL;

  int out_fd = -1;
  if (output && (out_fd = open_log(output)) < 0) die(7, "open: %s", strerror(errno));
  int child_fd = child_pidfile ? open_pidfile(child_pidfile) : -1;
  int parent_fd = parent_pidfile ? open_pidfile(parent_pidfile) : -1;

  /* daemon(3) */
  pid_t p = fork();
  if (p < 0) die(1, "fork");
  if (p > 0) _exit(0);
  setsid();
  if (chdir_root && chdir("/") != 0) die(1, "chdir");
  if (close_fds) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }
  if (parent_fd >= 0) write_pid(parent_fd, getpid());

  if (!supervise) {
    if (child_fd >= 0) write_pid(child_fd, getpid());
    if (user) restrict_process(user);
    execvp(cmd[0], cmd);
    die(1, "%s: %s", cmd[0], strerror(errno));
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_chld;
  sigaction(SIGCHLD, &sa, NULL);
  if (hup_reopen && out_fd >= 0) {
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
  }

  for (;;) {
    int pipefd[2];
    if (pipe(pipefd) != 0) die(1, "pipe");
    child_gone = 0;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t c = fork();
    if (c < 0) die(1, "fork");
    if (c == 0) {
      sigprocmask(SIG_SETMASK, &old, NULL);
      signal(SIGTERM, SIG_DFL), signal(SIGCHLD, SIG_DFL), signal(SIGHUP, SIG_DFL);
      if (child_fd >= 0) write_pid(child_fd, getpid());
      if (user) restrict_process(user);
      close(pipefd[0]);
      if (mask & 2) dup2(pipefd[1], 2);
      if (mask & 1) dup2(pipefd[1], 1);
      if (pipefd[1] > 2) close(pipefd[1]);
      execvp(cmd[0], cmd);
      die(1, "%s: %s", cmd[0], strerror(errno));
    }
    child = c;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(pipefd[1]);
    set_title(argc, argv, title, c);

    char buf[4096];
    int eof = 0;
    while (!(child_gone && eof) && !terminate) {
      if (reopen) {
        reopen = 0;
        if (out_fd >= 0) close(out_fd);
        out_fd = open_log(output);
      }
      if (eof) {
        usleep(20000);
        continue;
      }
      ssize_t n = read(pipefd[0], buf, sizeof buf);
      if (n > 0) {
        if (out_fd >= 0) {
          if (write(out_fd, buf, n) != n) { /* as FreeBSD's: warn only */ }
        } else if (!close_fds) {
          if (write(1, buf, n) != n) { /* ignore */ }
        }
      } else if (n == 0 || errno != EINTR) {
        eof = 1;
      }
    }
    close(pipefd[0]);
    if (terminate || !restart) break;
    for (int i = 0; i < delay * 10 && !terminate; i++) usleep(100000);
    if (terminate) break;
  }
  /* As FreeBSD's daemon(8) (usr.sbin/daemon/daemon.c): SIGTERM is passed on
     and daemon exits once the child has, so rc.subr's wait for the
     supervisor's pid also waits for the program. */
  while (terminate && child > 0 && !child_gone) usleep(20000);
  if (child_fd >= 0) unlink(child_pidfile);
  if (parent_fd >= 0) unlink(parent_pidfile);
  return 1;
}

/* ---------------------------------------------------------------- chroot */

static int chroot_main(int argc, char **argv) {
  int opt;
  const char *user = NULL, *group = NULL;
  char *groups = NULL;
  while ((opt = getopt(argc, argv, "+G:g:u:n")) != -1) {
    switch (opt) {
    case 'u': user = optarg; break;
    case 'g': group = optarg; break;
    case 'G': groups = optarg; break;
    case 'n': break;
    default: die(1, "usage: chroot [-g group] [-G group,group,...] [-u user] [-n] newroot [command]");
    }
  }
  char **rest = argv + optind;
  if (!*rest) die(1, "usage: chroot [-g group] [-G group,group,...] [-u user] [-n] newroot [command]");
  gid_t gid = group ? group_or_die(group) : 0;
  gid_t list[64];
  int n = 0;
  for (char *g = groups ? strtok(groups, ",") : NULL; g && n < 64; g = strtok(NULL, ",")) list[n++] = group_or_die(g);
  uid_t uid = user ? user_or_die(user)->pw_uid : 0;
  if (chdir(rest[0]) != 0 || chroot(".") != 0) die(1, "%s: %s", rest[0], strerror(errno));
  if (n > 0 && setgroups(n, list) != 0) die(1, "setgroups");
  if (group && setgid(gid) != 0) die(1, "setgid");
  if (user && setuid(uid) != 0) die(1, "setuid");
  if (rest[1]) {
    execvp(rest[1], rest + 1);
    die(1, "%s: %s", rest[1], strerror(errno));
  }
  execl("/bin/sh", "sh", "-i", (char *)NULL);
  die(1, "/bin/sh");
  return 1;
}

/* ---------------------------------------------------------------- limits */

static int limits_main(int argc, char **argv) {
  int which = 3; /* 1 soft, 2 hard, 3 both */
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    char f = argv[i][1];
    if (f == 'C' || f == 'U' || f == 'P') { i++; continue; }
    if (f == 'S') { which = 1; continue; }
    if (f == 'H') { which = 2; continue; }
    if (f == 'B') { which = 3; continue; }
    if (f == 'e' || f == 'a') continue;
    int resource;
    switch (f) {
    case 'n': resource = RLIMIT_NOFILE; break;
    case 'u': resource = RLIMIT_NPROC; break;
    case 'c': resource = RLIMIT_CORE; break;
    case 'd': resource = RLIMIT_DATA; break;
    case 's': resource = RLIMIT_STACK; break;
    case 't': resource = RLIMIT_CPU; break;
    case 'f': resource = RLIMIT_FSIZE; break;
    case 'v': resource = RLIMIT_AS; break;
    case 'm': resource = RLIMIT_RSS; break;
    case 'l': resource = RLIMIT_MEMLOCK; break;
    default: die(1, "unknown option -%c", f);
    }
    if (++i >= argc) die(1, "-%c needs a value", f);
    rlim_t value = (!strcmp(argv[i], "infinity") || !strcmp(argv[i], "unlimited")) ? RLIM_INFINITY : strtoull(argv[i], NULL, 10);
    struct rlimit rl;
    getrlimit(resource, &rl);
    if (which & 1) rl.rlim_cur = value;
    if (which & 2) rl.rlim_max = value;
    if (setrlimit(resource, &rl) != 0) die(1, "setrlimit -%c %s: %s", f, argv[i], strerror(errno));
  }
  for (; i < argc && strchr(argv[i], '=') && argv[i][0] != '='; i++) putenv(argv[i]);
  if (i >= argc) die(1, "no command");
  execvp(argv[i], argv + i);
  die(1, "%s: %s", argv[i], strerror(errno));
  return 1;
}

/* -------------------------------------------------------------------- su */

static int su_main(int argc, char **argv) {
  /* su [-m] [-c class] login [args]: the args go to the shell ("-c command"). */
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-c")) i++; /* a login class: not modelled */
    else if (strcmp(argv[i], "-m") != 0) die(1, "usage: su -m login [args]");
  }
  if (i >= argc) die(1, "usage: su -m login [args]");
  struct passwd *pw = user_or_die(argv[i]);
  if (setgid(pw->pw_gid) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) die(1, "cannot switch to %s", pw->pw_name);
  argv[i] = "sh";
  execv("/bin/sh", argv + i);
  die(1, "/bin/sh");
  return 1;
}

int main(int argc, char **argv) {
  const char *base = strrchr(argv[0], '/');
  prog = base ? base + 1 : argv[0];
  if (!strcmp(prog, "daemon")) return daemon_main(argc, argv);
  if (!strcmp(prog, "chroot")) return chroot_main(argc, argv);
  if (!strcmp(prog, "limits")) return limits_main(argc, argv);
  if (!strcmp(prog, "su")) return su_main(argc, argv);
  die(1, "call me as daemon, chroot, limits or su");
  return 1;
}
