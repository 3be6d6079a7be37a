// Starting and stopping the engines. Each engine process leads its own process group (libFuzzer's fork jobs
// join it), dies with smmucheck (PR_SET_PDEATHSIG), and appends its output to its log. Its environment
// carries SMMUCHECK_CAMPAIGN=<campaign directory>, which every descendant inherits, also those that leave the
// group (AFL++'s fork server calls setsid()): a campaign restarted after kill -9 finds by it, and ends,
// what the killed one left running. The campaign directory is locked while a campaign runs in it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "harness/campaign/engines.h"

namespace smmu::campaign {

// Takes DIR/.lock (flock; released when the process ends, however it ends). False when another process
// holds it: `error` says so.
bool lock_campaign(const std::filesystem::path& dir, std::string& error);

std::optional<pid_t> spawn(const ProcessSpec& p, std::string& error);

// The exit status text of `pid` once it has ended ("exit 0", "SIGSEGV"), or nullopt while it runs.
std::optional<std::string> ended(pid_t pid);

// SIGINT to the group of `pid` (engines save their state), then SIGKILL to what is left after `grace`.
void stop_group(pid_t pid, std::chrono::milliseconds grace);

inline constexpr const char* kCampaignMark = "SMMUCHECK_CAMPAIGN";

// Kills (SIGKILL, by pid) every process whose environment has SMMUCHECK_CAMPAIGN=<dir>, other than this one:
// what a campaign killed with kill -9 left behind (libFuzzer's jobs, AFL++'s fork servers and their stopped
// persistent-mode children). Returns how many.
int kill_leftovers(const std::filesystem::path& dir);

}  // namespace smmu::campaign
