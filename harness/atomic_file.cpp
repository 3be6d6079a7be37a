#include "harness/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace smmu::harness {

namespace {

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(size_t(n));
  }
  return true;
}

}  // namespace

bool is_atomic_write_temporary(std::string_view name) { return name.find(".tmp.") != std::string_view::npos; }

WriteResult write_file_atomically(const std::string& path, std::string_view bytes, std::string& error, bool replace) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    return WriteResult::Failed;
  }
  const bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    error = "cannot write " + tmp + ": " + std::strerror(saved);
    return WriteResult::Failed;
  }
  if (replace) {
    if (::rename(tmp.c_str(), path.c_str()) == 0) return WriteResult::Written;
    error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return WriteResult::Failed;
  }
  // link() fails with EEXIST instead of replacing: the no-clobber rename.
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return WriteResult::Written;
  if (link_errno == EEXIST) return WriteResult::Exists;
  error = "cannot create " + path + ": " + std::strerror(link_errno);
  return WriteResult::Failed;
}

}  // namespace smmu::harness
