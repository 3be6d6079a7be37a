#include "harness/campaign/process.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "harness/campaign/isolate.h"

namespace smmu::campaign {

namespace fs = std::filesystem;

bool lock_campaign(const fs::path& dir, std::string& error) {
  const fs::path lock = dir / ".lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);  // kept open until exit
  if (fd < 0) {
    error = "cannot open " + lock.string() + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    error = dir.string() + " is in use by another `smmucheck fuzz` (it holds " + lock.string() + ")";
    return false;
  }
  return true;
}

std::optional<pid_t> spawn(const ProcessSpec& p, std::string& error) {
  std::error_code ec;
  fs::create_directories(p.log.parent_path(), ec);
  const int log = ::open(p.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    error = "cannot open " + p.log.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  const int out = p.out.empty() ? -1 : ::open(p.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (!p.out.empty() && out < 0) {
    error = "cannot open " + p.out.string() + ": " + std::strerror(errno);
    ::close(log);
    return std::nullopt;
  }
  std::vector<char*> argv;
  for (const std::string& a : p.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork failed: ") + std::strerror(errno);
    ::close(log);
    if (out >= 0) ::close(out);
    return std::nullopt;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // smmucheck died before prctl
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(out >= 0 ? out : log, 1);
    ::dup2(log, 2);
    for (const auto& [k, v] : p.env) ::setenv(k.c_str(), v.c_str(), /*overwrite=*/0);
    if (!p.campaign.empty()) ::setenv(kCampaignMark, p.campaign.c_str(), /*overwrite=*/1);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execv(argv[0], argv.data());
    const std::string msg = "smmucheck: cannot run " + p.argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here, so the group exists before we might signal it
  ::close(log);
  if (out >= 0) ::close(out);
  return pid;
}

std::optional<std::string> ended(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return std::nullopt;
  if (r < 0) return std::string("gone");
  if (WIFSIGNALED(status)) return signal_name(WTERMSIG(status));
  return "exit " + std::to_string(WEXITSTATUS(status));
}

void stop_group(pid_t pid, std::chrono::milliseconds grace) {
  ::kill(-pid, SIGINT);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ended(pid)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-pid, SIGKILL);  // what is left of the group (libFuzzer's jobs, AFL++'s fork server)
  int status = 0;
  ::waitpid(pid, &status, 0);
}

int kill_leftovers(const fs::path& dir) {
  const std::string mark = std::string(kCampaignMark) + "=" + dir.string();
  const std::string self = std::to_string(::getpid());
  int killed = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
    std::ifstream in(e.path() / "environ", std::ios::binary);
    bool marked = false;
    for (std::string var; !marked && std::getline(in, var, '\0');) marked = var == mark;
    if (marked && ::kill(pid_t(std::stol(pid)), SIGKILL) == 0) ++killed;
  }
  return killed;
}

}  // namespace smmu::campaign
