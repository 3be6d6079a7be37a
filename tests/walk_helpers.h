// Helpers shared by the stage-2 and nested tests: a footprint recorder and stage-2 descriptors written by
// hand through the s2desc field table (Arm ARM D8.3).
#pragma once

#include <vector>

#include "tests/fixture.h"

namespace smmu::test {

using driver::S2Leaf;
using driver::s2_leaf_bits;

// §7.3: CLASS encodings.
constexpr uint64_t kClassCd = 0b00, kClassTt = 0b01, kClassIn = 0b10;

// Records every table word a translation reads (the model's footprint interface, specs/model.h).
struct Reads : WalkObserver {
  std::vector<TableRead> v;
  void table_read(const TableRead& r) override { v.push_back(r); }
  std::vector<TableRead> of(TableRole role) const {
    std::vector<TableRead> out;
    for (const TableRead& r : v)
      if (r.role == role) out.push_back(r);
    return out;
  }
};

inline uint64_t s2_block(uint64_t oa, const S2Leaf& l = {}) {
  uint64_t d = s2_leaf_bits(l);
  s2desc::Valid.set(d, 1);
  s2desc::Type.set(d, 0);
  s2desc::Address.set(d, oa >> 12);
  return d;
}
inline uint64_t s2_page(uint64_t oa, const S2Leaf& l = {}) {
  uint64_t d = s2_block(oa, l);
  s2desc::Type.set(d, 1);
  return d;
}
inline uint64_t s2_table(uint64_t next) {
  uint64_t d = 0;
  s2desc::Valid.set(d, 1);
  s2desc::Type.set(d, 1);
  s2desc::Address.set(d, next >> 12);
  return d;
}

}  // namespace smmu::test
