// make_seeds: seed corpora from scenario files. Encodes each scenario (*.textproto, directories searched
// recursively) with the codec into OUT_DIR (one .bin per scenario, named after its path), optionally
// copies the text into a second directory (seeds for textproto_fuzzer), and lists the scenarios the
// codec cannot express with the reason. Exit status 1 when a scenario does not load.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzzers/codec.h"
#include "harness/scenario/load.h"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> scenario_files(const std::vector<std::string>& inputs) {
  std::vector<fs::path> out;
  for (const auto& in : inputs) {
    if (fs::is_directory(in)) {
      for (const auto& e : fs::recursive_directory_iterator(in))
        if (e.is_regular_file() && e.path().extension() == ".textproto") out.push_back(e.path());
    } else {
      out.emplace_back(in);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string seed_name(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string text_out;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--text-out" && i + 1 < argc) text_out = argv[++i];
    else args.push_back(a);
  }
  if (args.size() < 2) {
    std::fprintf(stderr, "usage: make_seeds [--text-out DIR] OUT_DIR SCENARIO_OR_DIR...\n");
    return 2;
  }
  const fs::path out_dir = args[0];
  fs::create_directories(out_dir);
  if (!text_out.empty()) fs::create_directories(text_out);
  int seeds = 0, inexpressible = 0, bad = 0;
  const auto files = scenario_files({args.begin() + 1, args.end()});
  for (const auto& f : files) {
    std::vector<smmu::harness::InputError> errors;
    const auto s = smmu::harness::load_scenario(f.string(), errors);
    if (!s) {
      std::fprintf(stderr, "make_seeds: %s\n", errors.empty() ? f.c_str() : errors.front().to_string().c_str());
      ++bad;
      continue;
    }
    if (!text_out.empty()) fs::copy_file(f, fs::path(text_out) / seed_name(f), fs::copy_options::overwrite_existing);
    std::string why;
    const auto bytes = smmu::fuzz::encode(s->msg, &why);
    if (!bytes) {
      std::printf("not expressible: %s: %s\n", f.c_str(), why.c_str());
      ++inexpressible;
      continue;
    }
    std::ofstream(out_dir / (seed_name(f) + ".bin"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    ++seeds;
  }
  std::printf("make_seeds: %d seeds in %s from %zu scenarios; %d not expressible, %d not loadable\n", seeds,
              out_dir.c_str(), files.size(), inexpressible, bad);
  return bad ? 1 : 0;
}
