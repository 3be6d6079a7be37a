#include "harness/campaign/isolate.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace smmu::campaign {

std::string signal_name(int sig) {
  switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGTRAP: return "SIGTRAP";
    default: return "SIG" + std::to_string(sig);
  }
}

Isolated run_isolated(const std::function<std::string()>& work, std::chrono::milliseconds timeout) {
  Isolated r;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.failure = std::string("pipe failed: ") + std::strerror(errno);
    return r;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.failure = std::string("fork failed: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  if (pid == 0) {
    ::close(fds[0]);
    const std::string out = work();
    for (size_t done = 0; done < out.size();) {
      const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(3);
      done += size_t(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int rc = ::poll(&p, 1, int(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;  // the deadline check above ends the loop
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is done (or dead)
    r.output.append(buf, size_t(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) r.failure = "timeout";
  else if (WIFSIGNALED(status)) r.failure = signal_name(WTERMSIG(status));
  else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) r.failure = "exit-" + std::to_string(WEXITSTATUS(status));
  else r.ok = true;
  if (!r.ok) r.output.clear();
  return r;
}

}  // namespace smmu::campaign
