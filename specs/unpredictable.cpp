#include "specs/unpredictable.h"

namespace smmu {

namespace {
constexpr CuEntry kTable[] = {
#define CU(id, sec, text, permitted, chosen) {CuCase::id, #id, sec, text, permitted, chosen},
#include "specs/unpredictable.def"
#undef CU
};
}  // namespace

std::span<const CuEntry> cu_table() { return kTable; }

const CuEntry& cu_entry(CuCase id) { return kTable[static_cast<size_t>(id)]; }

std::vector<std::string_view> cu_permitted(CuCase id) {
  std::vector<std::string_view> out;
  std::string_view s = cu_entry(id).permitted;
  while (!s.empty()) {
    size_t bar = s.find('|');
    out.push_back(s.substr(0, bar));
    if (bar == std::string_view::npos) break;
    s.remove_prefix(bar + 1);
  }
  return out;
}

bool cu_permits(CuCase id, std::string_view behaviour) {
  for (auto b : cu_permitted(id))
    if (b == behaviour || b == "any" || b.starts_with("any_")) return true;
  return false;
}

}  // namespace smmu
