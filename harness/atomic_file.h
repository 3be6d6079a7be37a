// Writing a file so that a reader (or a restart after kill -9) sees either the old file or the whole new one,
// never a part: the bytes go to a temporary file beside the target, are flushed to disk, and are then renamed
// over the target (or linked to it, when an existing file must be kept).
#pragma once

#include <string>
#include <string_view>

namespace smmu::harness {

enum class WriteResult { Written, Exists, Failed };

// Replaces `path` with `bytes`. With `replace` false an existing `path` is kept and the result is Exists
// (the check and the write are one atomic step: two writers cannot both win). `error` says what failed.
WriteResult write_file_atomically(const std::string& path, std::string_view bytes, std::string& error,
                                  bool replace = true);

// Temporaries of write_file_atomically are named PATH.tmp.PID; a directory scan skips them.
bool is_atomic_write_temporary(std::string_view file_name);

}  // namespace smmu::harness
