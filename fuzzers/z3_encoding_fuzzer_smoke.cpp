// z3_encoding_fuzzer_smoke: z3_encoding_fuzzer's LLVMFuzzerTestOneInput in an ordinary build. Without file
// arguments it runs the seed inputs and then --runs random ones from a fixed --seed (a ctest); with files or
// directories it replays them (a corpus, a crash). --write-seeds DIR writes the seed inputs as files (the fuzz
// build's seeds/z3_encoding) and exits. A mismatch aborts, as in the fuzzer, with the world and both outcomes.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fuzzers/smoke_inputs.h"
#include "fuzzers/z3_encoding_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using namespace smmu::fuzz;

// Every feature variant, with and without nested STEs, blocks and CR2.E2H, 1 to 8 streams; mapped inputs
// (some tweaked), the world's own picks and a raw transaction; the second half changes table memory first.
std::vector<std::vector<uint8_t>> seed_inputs() {
  std::vector<std::vector<uint8_t>> seeds;
  for (unsigned i = 0; i < 14; ++i) {
    const uint8_t options = uint8_t((i % 5 == 4) | (i % 6 == 5) << 1 | (i % 4 == 3) << 2 | (i % 8) << 3);
    std::vector<uint8_t> in{options, uint8_t(i % 7)};
    for (unsigned b = 0; b < 8; ++b) in.push_back(b == 0 ? uint8_t(1 + i) : 0);
    if (i >= 7) {
      in.insert(in.end(), {kOpFlip, uint8_t(37 * i), 0, uint8_t(5 * i)});
      in.insert(in.end(), {kOpOverwrite, uint8_t(11 * i), 0, uint8_t(i), 0x03, 0, 0, 0, 0, 0, 0, 0});
      in.push_back(kOpCorrupt);
    }
    for (uint8_t k = 0; k < 4; ++k) {
      const uint8_t tweak = k == 3 ? 1 : k == 2 ? 2 : 0;  // flip an address bit, move by pages
      in.insert(in.end(), {kOpTarget, k, tweak, uint8_t(13 * k), k});
    }
    in.insert(in.end(), {kOpPick, 4});
    in.insert(in.end(), {kOpRaw, uint8_t(2 * i), 0, 0xff, 0, 0x10, 0, 0x40, 0, 0, 0, 0, 0});
    seeds.push_back(std::move(in));
  }
  return seeds;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned runs = 300, seed = 1, max_len = 48;
  std::vector<std::string> inputs;
  std::string write_seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--seed" && i + 1 < argc) seed = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--max-len" && i + 1 < argc) max_len = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--write-seeds" && i + 1 < argc) write_seeds = argv[++i];
    else inputs.push_back(a);
  }
  if (!write_seeds.empty()) {
    std::filesystem::create_directories(write_seeds);
    const auto seeds = seed_inputs();
    for (size_t i = 0; i < seeds.size(); ++i) {
      const std::string name = write_seeds + "/seed-" + std::to_string(i);
      std::ofstream(name, std::ios::binary)
          .write(reinterpret_cast<const char*>(seeds[i].data()), std::streamsize(seeds[i].size()));
    }
    return 0;
  }
  const auto start = std::chrono::steady_clock::now();
  if (!inputs.empty()) {
    for_each_input_file(inputs, [](const std::vector<uint8_t>& b) { LLVMFuzzerTestOneInput(b.data(), b.size()); });
  } else {
    for (const auto& s : seed_inputs()) LLVMFuzzerTestOneInput(s.data(), s.size());
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> buf;
    for (unsigned i = 0; i < runs; ++i) {
      buf.resize(rng() % (max_len + 1));
      for (auto& b : buf) b = static_cast<uint8_t>(rng());
      LLVMFuzzerTestOneInput(buf.data(), buf.size());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Z3FuzzStats& st = z3_fuzz_stats();
  std::printf("z3_encoding_fuzzer_smoke: %llu inputs, %llu translations, %llu table corruptions, no mismatch; "
              "%.1f s, %.0f exec/s\n",
              (unsigned long long)st.inputs, (unsigned long long)st.translations, (unsigned long long)st.corruptions,
              secs, secs > 0 ? double(st.inputs) / secs : 0.0);
  for (const auto& [k, v] : st.by_outcome)
    std::printf("  reference outcome %-28s %llu\n", k.c_str(), (unsigned long long)v);
  return 0;
}
