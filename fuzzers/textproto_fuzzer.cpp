// The scenario loader on arbitrary text: parse_scenario reports what is wrong and never crashes (ASan and
// UBSan watch); what loads must also survive the codec's encoder.
#include <string_view>
#include <vector>

#include "fuzzers/codec.h"
#include "harness/scenario/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<smmu::harness::InputError> errors;
  const auto s = smmu::harness::parse_scenario(std::string_view(reinterpret_cast<const char*>(data), size),
                                                "<fuzz input>", errors);
  for (const auto& e : errors) (void)e.to_string();
  if (s) (void)smmu::fuzz::encode(s->msg, nullptr, /*checked=*/false);
  return 0;
}
