// Running a piece of work in a forked child, so that an input that crashes or hangs a model costs the child,
// not the campaign or the triage: the parent gets the child's answer, or how it ended.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace smmu::campaign {

struct Isolated {
  bool started = false;  // false: no child (pipe or fork failed; `failure` says why)
  bool ok = false;       // the child returned normally
  std::string output;    // what the work returned (when ok)
  std::string failure;   // otherwise: "SIGSEGV", "SIGABRT", "exit-1", "timeout"
};

// Forks; the child runs `work` and sends its result back through a pipe, then _exit(0)s (no atexit
// handlers, no leak check). The child is killed past `timeout`. Call only while single-threaded.
Isolated run_isolated(const std::function<std::string()>& work, std::chrono::milliseconds timeout);

// "SIGSEGV" for 11, "SIG34" for a number without a name.
std::string signal_name(int sig);

}  // namespace smmu::campaign
