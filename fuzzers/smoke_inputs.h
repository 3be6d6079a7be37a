// The smoke runners' replay of saved inputs (a corpus, a crash): each file named, and each regular file of
// each directory named.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace smmu::fuzz {

template <class F>
void for_each_input_file(const std::vector<std::string>& inputs, F&& f) {
  namespace fs = std::filesystem;
  for (const auto& in : inputs) {
    std::vector<fs::path> files;
    if (fs::is_directory(in)) {
      for (const auto& e : fs::directory_iterator(in))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(in);
    }
    for (const auto& file : files) {
      std::ifstream s(file, std::ios::binary);
      const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
      f(bytes);
    }
  }
}

}  // namespace smmu::fuzz
