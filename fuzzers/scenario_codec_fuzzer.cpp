// The codec's own fuzz target: every byte string decodes to a scenario that encodes and decodes back to
// itself, and that the scenario loader accepts in text format. Aborts (with a one-line reason prefixed
// "SMMUCHECK-CODEC: ") otherwise.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/text_format.h>

#include "fuzzers/codec.h"
#include "fuzzers/libfuzzer_hooks.h"
#include "harness/scenario/load.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "SMMUCHECK-CODEC: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smmu::fuzz;
  const smmucheck::Scenario s = decode({data, size});
  std::string why;
  const auto bytes = encode(s, &why, /*checked=*/false);
  if (!bytes) fail("a decoded scenario does not encode", why);
  std::string difference;
  if (!same_scenario(decode(*bytes), s, &difference)) fail("decode(encode(s)) != s", difference);
  std::string text;
  google::protobuf::TextFormat::PrintToString(s, &text);
  std::vector<smmu::harness::InputError> errors;
  if (!smmu::harness::parse_scenario(text, "<decoded>", errors))
    fail("a decoded scenario does not load", errors.empty() ? "" : errors.front().to_string());
  return 0;
}
