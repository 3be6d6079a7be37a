// The qtest session: spawning QEMU, the line protocol, and the memory-access commands.
#include "harness/qemu/qtest.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace smmu::qemu {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A reply or command, shortened for an error message (b64write lines can be megabytes).
std::string shorten(std::string_view s, size_t max = 160) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "... (" + std::to_string(s.size()) + " bytes)";
}

uint64_t parse_value(std::string_view reply, std::string_view command) {
  std::string text(reply);
  char* end = nullptr;
  errno = 0;
  uint64_t v = std::strtoull(text.c_str(), &end, 0);
  if (text.empty() || errno != 0 || end == nullptr || *end != '\0')
    throw QtestError("qtest: cannot parse the reply '" + shorten(reply) + "' to '" + shorten(command) + "'");
  return v;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

// --- base64 --------------------------------------------------------------------------------------

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (size_t rest = data.size() - i; rest != 0) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (rest == 2) v |= uint32_t{data[i + 1]} << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<uint8_t> base64_decode(std::string_view text) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = b64_value(c);
    if (v < 0 || padding != 0) throw QtestError("qtest: malformed base64 reply '" + shorten(text) + "'");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  if (padding > 2) throw QtestError("qtest: malformed base64 reply '" + shorten(text) + "'");
  return out;
}

// --- the process -----------------------------------------------------------------------------------

std::optional<std::string> Qtest::find_binary(const std::string& binary) {
  if (binary.empty()) return std::nullopt;
  if (binary.find('/') != std::string::npos) {
    if (::access(binary.c_str(), X_OK) == 0) return binary;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + binary;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

Qtest::Qtest(QtestOptions options) : options_(std::move(options)) {
  try {
    spawn();
  } catch (...) {
    cleanup();
    throw;
  }
}

Qtest::~Qtest() { cleanup(); }

void Qtest::cleanup() noexcept {
  if (fd_ >= 0) ::close(fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  fd_ = listen_fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

bool Qtest::child_exited(std::string* how) {
  if (pid_ <= 0) {
    if (how) *how = "QEMU is not running";
    return true;
  }
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  if (r < 0 && errno == EINTR) return false;
  pid_ = -1;
  if (how) {
    if (r < 0)
      *how = errno_text("waitpid");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      *how = "QEMU could not be executed (exit status 127)";
    else if (WIFEXITED(status))
      *how = "QEMU exited with status " + std::to_string(WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
      *how = "QEMU was killed by signal " + std::to_string(WTERMSIG(status));
    else
      *how = "QEMU stopped";
  }
  return true;
}

std::string Qtest::log_tail(size_t max_bytes) const {
  if (log_path_.empty()) return {};
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return {};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

void Qtest::fail(const std::string& what, bool may_be_dying) {
  std::string msg = "qemu: " + what;
  std::string how;
  if (pid_ > 0 && may_be_dying) {
    // Give a dying QEMU a moment so its exit status and last words make the message.
    for (int i = 0; i < 20 && !child_exited(&how); ++i) ::usleep(5'000);
  } else {
    child_exited(&how);
  }
  if (!how.empty()) msg += " (" + how + ")";
  std::string log = log_tail();
  if (!log.empty()) msg += "\nQEMU's stderr:\n" + log;
  throw QtestError(msg);
}

void Qtest::spawn() {
  std::optional<std::string> path = find_binary(options_.binary);
  if (!path)
    throw QtestError("qemu: '" + options_.binary +
                     "' was not found in PATH (install it: apt-get install qemu-system-arm)");

  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/smmucheck-qemu-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) throw QtestError(errno_text("qemu: mkdtemp"));
  dir_ = buf.data();
  socket_path_ = dir_ + "/qtest.sock";
  log_path_ = dir_ + "/qemu.log";

  for (const auto& [name, contents] : options_.files) {
    std::ofstream out(dir_ + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(contents.data()), static_cast<std::streamsize>(contents.size()));
    if (!out) throw QtestError("qemu: cannot write " + dir_ + "/" + name);
  }

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path)
    throw QtestError("qemu: socket path too long: " + socket_path_);
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw QtestError(errno_text("qemu: socket"));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    throw QtestError(errno_text("qemu: bind"));
  if (::listen(listen_fd_, 1) < 0) throw QtestError(errno_text("qemu: listen"));

  // Everything the child needs is prepared before fork: it only calls async-signal-safe functions.
  std::vector<std::string> args;
  args.push_back(*path);
  for (std::string a : options_.args) {
    for (size_t p; (p = a.find("{dir}")) != std::string::npos;) a.replace(p, 5, dir_);
    args.push_back(std::move(a));
  }
  for (const char* a : {"-qtest", "", "-qtest-log", "/dev/null"}) args.emplace_back(a);
  args[args.size() - 3] = "unix:" + socket_path_;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw QtestError(errno_text("qemu: open log"));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    throw QtestError(errno_text("qemu: open /dev/null"));
  }
  pid_t parent = ::getpid();
  const int cpu = options_.cpu;
  const bool die_with_parent = options_.die_with_creating_thread;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &cpus);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
    }
    if (cpu >= 0) ::sched_setaffinity(0, sizeof cpus, &cpus);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    errno = fork_errno;
    throw QtestError(errno_text("qemu: fork"));
  }
  pid_ = pid;

  // Wait for QEMU to connect, watching for an early exit (bad arguments, missing device...).
  auto deadline = Clock::now() + options_.timeout;
  for (;;) {
    pollfd p{listen_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, 20);
    if (r < 0 && errno != EINTR) fail(errno_text("poll"));
    if (r > 0) break;
    std::string how;
    if (child_exited(&how)) fail("QEMU did not start");
    if (Clock::now() >= deadline)
      fail("QEMU did not connect to the qtest socket within " + std::to_string(options_.timeout.count()) + " ms");
  }
  fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd_ < 0) fail(errno_text("accept"));
  ::close(listen_fd_);
  listen_fd_ = -1;
  ::unlink(socket_path_.c_str());
}

// --- the protocol ----------------------------------------------------------------------------------

void Qtest::send_line(std::string_view line) {
  if (fd_ < 0) fail("the qtest connection is closed");
  std::string out(line);
  out += '\n';
  size_t sent = 0;
  auto deadline = Clock::now() + options_.timeout;
  while (sent < out.size()) {
    ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int r = ::poll(&p, 1, remaining_ms(deadline));
      if (r == 0) fail("timed out sending '" + shorten(line) + "'");
      if (r < 0 && errno != EINTR) fail(errno_text("poll"));
      continue;
    }
    fail(errno_text("send") + " while sending '" + shorten(line) + "'");
  }
}

std::string Qtest::read_line() {
  auto deadline = Clock::now() + options_.timeout;
  for (;;) {
    size_t nl = inbuf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = inbuf_.substr(0, nl);
      inbuf_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(errno_text("poll"));
    if (r == 0)
      fail("no reply within " + std::to_string(options_.timeout.count()) + " ms (QEMU hung?)");
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(errno_text("recv"));
    if (n == 0) fail("QEMU closed the qtest connection");
    inbuf_.append(buf, static_cast<size_t>(n));
  }
}

std::string Qtest::command(std::string_view line) {
  send_line(line);
  for (;;) {
    std::string reply = read_line();
    if (reply.rfind("IRQ", 0) == 0) {  // asynchronous interrupt notification
      ++async_lines_;
      continue;
    }
    if (reply == "OK") return {};
    if (reply.rfind("OK ", 0) == 0) return reply.substr(3);
    fail("'" + shorten(line) + "' failed: " + shorten(reply), /*may_be_dying=*/false);
  }
}

uint64_t Qtest::read(uint64_t addr, unsigned size) {
  const char* cmd =
      size == 1 ? "readb " : size == 2 ? "readw " : size == 4 ? "readl " : size == 8 ? "readq " : nullptr;
  if (cmd == nullptr) throw QtestError("qtest: read of unsupported size " + std::to_string(size));
  std::string line = cmd + hex(addr);
  return parse_value(command(line), line);
}

void Qtest::write(uint64_t addr, unsigned size, uint64_t value) {
  const char* cmd =
      size == 1 ? "writeb " : size == 2 ? "writew " : size == 4 ? "writel " : size == 8 ? "writeq " : nullptr;
  if (cmd == nullptr) throw QtestError("qtest: write of unsupported size " + std::to_string(size));
  if (size < 8) value &= (1ull << (8 * size)) - 1;
  command(cmd + hex(addr) + " " + hex(value));
}

void Qtest::read_bytes(uint64_t addr, std::span<uint8_t> out) {
  for (size_t done = 0; done < out.size();) {
    size_t n = std::min(kBulkChunk, out.size() - done);
    std::string line = "b64read " + hex(addr + done) + " " + hex(n);
    std::vector<uint8_t> data = base64_decode(command(line));
    if (data.size() != n)
      throw QtestError("qtest: '" + line + "' returned " + std::to_string(data.size()) + " bytes");
    std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
  }
}

std::vector<uint8_t> Qtest::read_bytes(uint64_t addr, size_t len) {
  std::vector<uint8_t> out(len);
  read_bytes(addr, out);
  return out;
}

void Qtest::write_bytes(uint64_t addr, std::span<const uint8_t> data) {
  for (size_t done = 0; done < data.size();) {
    size_t n = std::min(kBulkChunk, data.size() - done);
    command("b64write " + hex(addr + done) + " " + hex(n) + " " + base64_encode(data.subspan(done, n)));
    done += n;
  }
}

void Qtest::fill(uint64_t addr, uint64_t len, uint8_t value) {
  if (len == 0) return;
  command("memset " + hex(addr) + " " + hex(len) + " " + hex(value));
}

}  // namespace smmu::qemu
