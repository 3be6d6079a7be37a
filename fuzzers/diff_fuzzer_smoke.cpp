// diff_fuzzer_smoke: feeds fixed-seed inputs through diff_fuzzer's LLVMFuzzerTestOneInput (and its custom
// mutator, the way libFuzzer chains them) in an ordinary build, or replays the inputs of given files and
// directories (a fuzzer's corpus). Prints what the inputs exercised: steps, DMAs compared exactly /
// permitted-stale / unchecked, runs the runner stopped early.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fuzzers/diff_target.h"
#include "fuzzers/smoke_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed);

int main(int argc, char** argv) {
  unsigned runs = 500, seed = 1, max_len = 512;
  std::vector<std::string> inputs;
  std::string save_last;  // --save-last PATH: each generated input is written there before it runs
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--seed" && i + 1 < argc) seed = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--max-len" && i + 1 < argc) max_len = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--save-last" && i + 1 < argc) save_last = argv[++i];
    else inputs.push_back(a);
  }
  const auto start = std::chrono::steady_clock::now();
  if (!inputs.empty()) {
    smmu::fuzz::for_each_input_file(inputs,
                                    [](const std::vector<uint8_t>& b) { LLVMFuzzerTestOneInput(b.data(), b.size()); });
  } else {
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> buf;
    for (unsigned i = 0; i < runs; ++i) {
      if (i % 4 == 0 || buf.empty()) {  // fresh random bytes, then three mutations of them
        buf.resize(rng() % (max_len + 1));
        for (auto& b : buf) b = static_cast<uint8_t>(rng());
      } else {
        const size_t size = buf.size();
        buf.resize(std::max<size_t>(max_len * 4, size));
        buf.resize(LLVMFuzzerCustomMutator(buf.data(), size, buf.size(), static_cast<unsigned>(rng())));
      }
      if (!save_last.empty()) std::ofstream(save_last, std::ios::binary).write(reinterpret_cast<const char*>(buf.data()), std::streamsize(buf.size()));
      LLVMFuzzerTestOneInput(buf.data(), buf.size());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& st = smmu::fuzz::diff_stats();
  const double dmas = double(st.dma_exact + st.dma_stale + st.dma_unchecked);
  auto share = [&](uint64_t n) { return dmas ? 100.0 * double(n) / dmas : 0.0; };
  std::printf("diff_fuzzer_smoke: %llu inputs, %.1f steps each, %llu stopped early, %.0f DMAs: "
              "exact %.1f%%, permitted-stale %.1f%%, unchecked %.1f%%; %llu divergences; %.1f s, %.0f exec/s\n",
              (unsigned long long)st.inputs, st.inputs ? double(st.steps) / double(st.inputs) : 0.0,
              (unsigned long long)st.input_errors, dmas, share(st.dma_exact), share(st.dma_stale),
              share(st.dma_unchecked), (unsigned long long)st.divergences, secs, secs > 0 ? double(st.inputs) / secs : 0.0);
  return st.divergences ? 1 : 0;
}
