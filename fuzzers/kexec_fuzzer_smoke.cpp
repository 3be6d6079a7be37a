// kexec_fuzzer_smoke: kexec_fuzzer's LLVMFuzzerTestOneInput in an ordinary build. Without file arguments it runs
// --runs random byte strings from a fixed --seed (a ctest); with files or directories it replays them (a
// corpus, a crash). A problem aborts, as in the fuzzer, with the plan in text format.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "fuzzers/smoke_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  unsigned runs = 200, seed = 1;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = static_cast<unsigned>(std::atoi(argv[++i]));
    else if (a == "--seed" && i + 1 < argc) seed = static_cast<unsigned>(std::atoi(argv[++i]));
    else inputs.push_back(a);
  }
  const auto start = std::chrono::steady_clock::now();
  unsigned n = 0;
  auto one = [&](const std::vector<uint8_t>& b) {
    LLVMFuzzerTestOneInput(b.data(), b.size());
    ++n;
  };
  if (!inputs.empty()) {
    smmu::fuzz::for_each_input_file(inputs, one);
  } else {
    std::mt19937_64 rng(seed);
    for (unsigned i = 0; i < runs; ++i) {
      std::vector<uint8_t> buf(rng() % 160);
      for (auto& b : buf) b = uint8_t(rng());
      one(buf);
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("kexec_fuzzer_smoke: %u random handover plans checked in %.1f s (%.0f/s)\n", n, s, n / (s > 0 ? s : 1));
  return 0;
}
