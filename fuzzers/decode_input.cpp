// fuzz_decode: a fuzz input (a crash, a queue entry) as the scenario the codec decodes it to, in text
// format, for `smmucheck replay` and `smmucheck reduce`.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>

#include "fuzzers/codec.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz_decode INPUT... (prints each as a scenario in text format)\n");
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fuzz_decode: cannot open %s\n", argv[i]);
      return 1;
    }
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    smmucheck::Scenario s = smmu::fuzz::decode(bytes);
    s.set_name(std::string("decoded from ") + argv[i]);
    std::string text;
    google::protobuf::TextFormat::PrintToString(s, &text);
    std::printf("# fuzz input %s (%zu bytes), decoded by fuzzers/codec\n%s", argv[i], bytes.size(), text.c_str());
  }
  return 0;
}
