/*
 * PID 1 of a test's private root when no init system runs there (OpenRC and
 * the rc.subr stand-in are started from outside, by nsenter): it only reaps.
 * Daemons whose parent exits are re-parented to PID 1 of their PID
 * namespace; without a reaper they would stay zombies, and a zombie still
 * answers kill(pid, 0), so start-stop-daemon --stop would wait for a
 * process that has already ended.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_child(int sig) { (void)sig; }

int main(void) {
  sigset_t chld, none;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  signal(SIGCHLD, on_child);
  for (;;) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    sigsuspend(&none);
  }
}
