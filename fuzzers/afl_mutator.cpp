// AFL++'s custom mutator (AFL_CUSTOM_MUTATOR_LIBRARY=.../smmucheck_afl_mutator.so): the same
// structure-aware mutator as the libFuzzer hooks. AFL++ calls afl_custom_fuzz many times per queue entry,
// so the decoded entry is kept between calls. Build it with a plain compiler (afl-fuzz loads it; it must
// not carry AFL or sanitizer instrumentation): the afl preset does that in a nested build.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzzers/codec.h"
#include "fuzzers/mutator.h"

namespace {

struct State {
  explicit State(unsigned seed) : mutator(seed) {}
  smmu::fuzz::Mutator mutator;
  std::vector<uint8_t> entry;        // the queue entry last decoded
  smmucheck::Scenario decoded;
  std::vector<uint8_t> out;
};

}  // namespace

extern "C" void* afl_custom_init(void* /*afl*/, unsigned int seed) { return new State(seed); }

extern "C" size_t afl_custom_fuzz(void* data, unsigned char* buf, size_t buf_size, unsigned char** out_buf,
                                  unsigned char* add_buf, size_t add_buf_size, size_t max_size) {
  auto& st = *static_cast<State*>(data);
  if (st.entry.size() != buf_size || (buf_size && std::memcmp(st.entry.data(), buf, buf_size) != 0)) {
    st.entry.assign(buf, buf + buf_size);
    st.decoded = smmu::fuzz::decode(st.entry);
  }
  smmucheck::Scenario next = add_buf && add_buf_size && st.mutator.below(5) == 0
                                 ? st.mutator.crossover(st.decoded, smmu::fuzz::decode({add_buf, add_buf_size}))
                                 : st.mutator.mutate(st.decoded);
  st.out.resize(max_size);
  size_t n = st.mutator.encode_into(std::move(next), st.out.data(), max_size);
  if (n == 0) {  // nothing fits: hand back the entry itself
    n = std::min(buf_size, max_size);
    std::memcpy(st.out.data(), buf, n);
  }
  *out_buf = st.out.data();
  return n;
}

extern "C" const char* afl_custom_describe(void* /*data*/, size_t /*max_description_len*/) { return "smmucheck-scenario"; }

extern "C" void afl_custom_deinit(void* data) { delete static_cast<State*>(data); }
