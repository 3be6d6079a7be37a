// The CONSTRAINED UNPREDICTABLE / IMPLEMENTATION DEFINED table (specs/unpredictable.def) as data.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace smmu {

enum class CuCase {
#define CU(id, sec, text, permitted, chosen) id,
#include "specs/unpredictable.def"
#undef CU
};

struct CuEntry {
  CuCase id;
  std::string_view name;
  std::string_view section;
  std::string_view text;
  std::string_view permitted;  // '|'-separated behaviours
  std::string_view chosen;
};

std::span<const CuEntry> cu_table();
const CuEntry& cu_entry(CuCase id);
std::vector<std::string_view> cu_permitted(CuCase id);
bool cu_permits(CuCase id, std::string_view behaviour);

}  // namespace smmu
