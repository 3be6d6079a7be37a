// A QEMU process driven through the qtest protocol (QEMU's docs/devel/qtest.rst): a line-based text
// protocol over a unix socket that QEMU connects to. Each command gets one reply line, "OK [value]",
// "FAIL reason" or "ERR reason"; QEMU may also send asynchronous lines ("IRQ raise N") that are skipped.
//
// The session owns a private temporary directory (the socket, QEMU's stderr log, any files the
// caller asks for), the child process (killed and reaped in the destructor, and killed by the kernel if
// this process dies first), and a timeout on every reply, so a hung or crashed QEMU is an error, not a
// hang. Errors are QtestError exceptions carrying the tail of QEMU's stderr.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smmu::qemu {

class QtestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct QtestOptions {
  // A program name searched in PATH, or a path containing '/'.
  std::string binary = "qemu-system-aarch64";
  // QEMU's arguments, without -qtest / -qtest-log (added here). The text "{dir}" in an argument is
  // replaced by the session's temporary directory, where `files` are written before QEMU starts.
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> files;  // (file name, contents)
  // The longest wait for QEMU to connect and for each reply.
  std::chrono::milliseconds timeout{10'000};
  // Runs QEMU on this CPU only (sched_setaffinity), or anywhere when negative.
  int cpu = -1;
  // The kernel kills QEMU when the thread that created the session exits (PR_SET_PDEATHSIG), so no
  // QEMU outlives a crashed test. Turn off to hand a session to another thread that outlives its creator.
  bool die_with_creating_thread = true;
};

class Qtest {
 public:
  explicit Qtest(QtestOptions options);  // spawns QEMU and waits for it to connect; throws QtestError
  ~Qtest();                              // kills and reaps QEMU, removes the temporary directory
  Qtest(const Qtest&) = delete;
  Qtest& operator=(const Qtest&) = delete;

  // The absolute path of `binary` (PATH search), or nullopt when there is no executable of that name.
  static std::optional<std::string> find_binary(const std::string& binary);

  // Sends one command line (without the newline) and returns the reply's text after "OK" (without the
  // separating space; empty for a bare "OK"). A FAIL or ERR reply, a timeout, or QEMU's exit throws.
  std::string command(std::string_view line);

  // Guest physical accesses (memory or MMIO) of 1, 2, 4 or 8 bytes, little-endian as the guest sees
  // them (aarch64 is little-endian).
  uint64_t read(uint64_t addr, unsigned size);
  void write(uint64_t addr, unsigned size, uint64_t value);
  uint8_t readb(uint64_t addr) { return static_cast<uint8_t>(read(addr, 1)); }
  uint16_t readw(uint64_t addr) { return static_cast<uint16_t>(read(addr, 2)); }
  uint32_t readl(uint64_t addr) { return static_cast<uint32_t>(read(addr, 4)); }
  uint64_t readq(uint64_t addr) { return read(addr, 8); }
  void writeb(uint64_t addr, uint8_t v) { write(addr, 1, v); }
  void writew(uint64_t addr, uint16_t v) { write(addr, 2, v); }
  void writel(uint64_t addr, uint32_t v) { write(addr, 4, v); }
  void writeq(uint64_t addr, uint64_t v) { write(addr, 8, v); }

  // Bulk memory access (the b64read / b64write / memset commands), split into chunks of kBulkChunk.
  void read_bytes(uint64_t addr, std::span<uint8_t> out);
  std::vector<uint8_t> read_bytes(uint64_t addr, size_t len);
  void write_bytes(uint64_t addr, std::span<const uint8_t> data);
  void fill(uint64_t addr, uint64_t len, uint8_t value);
  static constexpr size_t kBulkChunk = 1 << 20;

  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // The last `max_bytes` of QEMU's stderr (warnings, guest-error logs), for diagnostics.
  std::string log_tail(size_t max_bytes = 2048) const;
  // How many asynchronous lines were skipped so far.
  uint64_t async_lines() const { return async_lines_; }

 private:
  // Throws QtestError with `what`, QEMU's exit status when it has died (waiting a moment for a dying
  // QEMU when `may_be_dying`) and the tail of its stderr.
  [[noreturn]] void fail(const std::string& what, bool may_be_dying = true);
  void spawn();
  void send_line(std::string_view line);
  std::string read_line();
  bool child_exited(std::string* how);  // reaps the child if it has exited
  void cleanup() noexcept;

  QtestOptions options_;
  std::string dir_;
  std::string socket_path_;
  std::string log_path_;
  pid_t pid_ = -1;
  int listen_fd_ = -1;
  int fd_ = -1;
  std::string inbuf_;  // received bytes not yet consumed as lines
  uint64_t async_lines_ = 0;
};

// Base64 (RFC 4648, with padding), as the b64read / b64write commands use.
std::string base64_encode(std::span<const uint8_t> data);
std::vector<uint8_t> base64_decode(std::string_view text);  // throws QtestError on malformed input

}  // namespace smmu::qemu
