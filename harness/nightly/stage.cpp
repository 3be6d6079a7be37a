#include "harness/nightly/stage.h"

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "harness/campaign/process.h"

namespace smmu::nightly {

namespace fs = std::filesystem;

Clock::Clock(std::chrono::seconds budget) : budget_(budget) {}

double Clock::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Clock::progress(const std::string& what) const {
  fmt::print("nightly: t={:.0f}s/{}s {}\n", elapsed(), budget_.count(), what);
  std::fflush(stdout);
}

nlohmann::json StageRun::to_json() const {
  return {{"stage", name}, {"status", status}, {"exit_code", exit_code}, {"seconds", seconds},
          {"log", log.string()}, {"note", note}};
}

StageRun skipped_stage(const std::string& name, const std::string& why) {
  StageRun r;
  r.name = name;
  r.status = "skipped";
  r.note = why;
  return r;
}

StageRun run_stage(const fs::path& self, const std::string& name, const std::vector<std::string>& args,
                   const fs::path& dir, double limit) {
  StageRun r;
  r.name = name;
  r.log = dir / "logs" / (name + ".log");
  r.json_file = dir / "stages" / (name + ".json");
  std::error_code ec;
  fs::create_directories(r.json_file.parent_path(), ec);
  campaign::ProcessSpec p;
  p.name = name;
  p.argv = {self.string()};
  p.argv.insert(p.argv.end(), args.begin(), args.end());
  p.log = r.log;
  p.out = r.json_file;
  fs::remove(r.log, ec);  // the log of this night only (spawn appends)
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::string error;
  const auto pid = campaign::spawn(p, error);
  if (!pid) {
    r.status = "error";
    r.note = error;
    return r;
  }
  std::optional<std::string> end;
  while (!(end = campaign::ended(*pid))) {
    if (seconds() > limit) {
      campaign::stop_group(*pid, std::chrono::seconds(5));
      r.status = "timed_out";
      r.note = fmt::format("stopped after {:.0f} s, its share of the budget", limit);
      r.seconds = seconds();
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  r.seconds = seconds();
  if (end->starts_with("exit ")) r.exit_code = std::stoi(end->substr(5));
  r.status = r.exit_code == 0 ? "ok" : r.exit_code == 1 ? "failed" : "error";
  if (r.status == "error") r.note = "ended with " + *end + " (see " + r.log.string() + ")";
  std::ifstream in(r.json_file);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) r.json = j;
  return r;
}

nlohmann::json campaign_progress(const fs::path& log, uintmax_t offset) {
  using nlohmann::json;
  json out = json::array();
  std::ifstream in(log);
  in.seekg(std::streamoff(offset));
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("fuzz: t=")) continue;
    json p;
    size_t pos = 6;
    while (pos < line.size()) {
      const size_t end = std::min(line.find(' ', pos), line.size());
      const std::string kv = line.substr(pos, end - pos);
      pos = end + 1;
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
      if (key == "exec/s") key = "exec_per_sec";
      if (!value.empty() && value.back() == 's' && key == "t") value.pop_back();
      if (value.find_first_not_of("0123456789") == std::string::npos && !value.empty()) p[key] = std::stoull(value);
    }
    if (p.contains("t")) out.push_back(p);
  }
  return out;
}

}  // namespace smmu::nightly
