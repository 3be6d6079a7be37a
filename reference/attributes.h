// Memory attributes of a transaction: defaults, overrides, stage-1 replacement and stage-2 combination
// (Arm IHI 0070 §13.1.3-§13.1.7, §13.3, §13.4).
#pragma once

#include <cstdint>

#include "specs/feature_set.h"
#include "specs/model.h"

namespace smmu::ref {

enum class Cache : uint8_t { NC = 0, WT = 1, WB = 2 };  // ordered strongest first (§13.1.5)

struct CacheLevel {
  Cache cache = Cache::WB;
  bool ra = true, wa = true, tr = false;
};

struct Attrs {
  bool device = false;
  uint8_t dev = 0;  // 0 nGnRnE, 1 nGnRE, 2 nGRE, 3 GRE
  CacheLevel inner, outer;
  uint8_t sh = 0;   // 0 NSH, 2 OSH, 3 ISH
  bool instr = false, priv = false;
};

// §13.1.3: Normal iWB-oWB, RA, WA, non-transient, NSH; INST and PRIV as the client presents them.
Attrs default_input_attrs(const Transaction& t);

// The override fields shared by STE (§5.2) and GBPA (§6.3.14).
struct Overrides {
  unsigned mtcfg = 0, memattr = 0, alloccfg = 0, shcfg = 1, privcfg = 0, instcfg = 0;
};
// §13.1.4 Replace: applies the overrides the IDR1.ATTR_*_OVR features allow.
Attrs replace_attrs(Attrs a, const Overrides& o, const Features& f, bool is_read);

Attrs from_mair(uint8_t mair);               // a MAIR attribute byte (Arm ARM D8.5)
Attrs from_s2_memattr(unsigned memattr);     // a stage-2 MemAttr[3:0] (no FWB)
// §13.4.2: stage 1 replaces MT and SH; RA/WA/TR combine with a cacheable input.
Attrs stage1_attrs(const Attrs& input, uint8_t mair, uint8_t sh);
// §13.1.5 Combine: the stronger of each attribute.
Attrs combine_attrs(const Attrs& a, const Attrs& b);
// §13.1.7 and the output encoding.
MemAttrs output_attrs(Attrs a);

}  // namespace smmu::ref
