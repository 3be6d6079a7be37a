#include "reference/vmsa.h"

#include "specs/layout.h"

namespace smmu::ref {

std::optional<unsigned> decode_tg0(unsigned tg) {
  switch (tg) {
    case 0: return 12;
    case 1: return 16;
    case 2: return 14;
    default: return std::nullopt;
  }
}

std::optional<unsigned> decode_tg1(unsigned tg) {
  switch (tg) {
    case 1: return 14;
    case 2: return 12;
    case 3: return 16;
    default: return std::nullopt;
  }
}

int s1_start_level(unsigned granule, unsigned ia_bits) {
  return 3 - int((ia_bits - 1 - granule) / stride(granule));
}

std::optional<int> s2_start_level(unsigned granule, unsigned sl0, const Features& f) {
  // Arm ARM S2InvalidSL: the deepest starts need a large enough PA size, here the OAS (S2SL0_PAMAX).
  const unsigned pa_max = f.oas_bits();
  if (granule == 12) {
    switch (sl0) {
      case 0: return 2;
      case 1: return 1;
      case 2: return pa_max >= 44 ? std::optional<int>(0) : std::nullopt;
      case 3: return f.stt ? std::optional<int>(3) : std::nullopt;  // level 3 needs FEAT_TTST (IDR3.STT)
    }
  }
  switch (sl0) {  // 16KB and 64KB
    case 0: return 3;
    case 1: return 2;
    case 2: return pa_max >= (granule == 14 ? 42u : 44u) ? std::optional<int>(1) : std::nullopt;
    default: return std::nullopt;  // level 0 with 16KB needs FEAT_LPA2
  }
}

bool s2_walk_inconsistent(unsigned granule, int start_level, unsigned ia_bits) {
  unsigned min_ia = level_shift(granule, start_level) + 1;
  unsigned max_ia = level_shift(granule, start_level) + stride(granule) + 4;
  return ia_bits < min_ia || ia_bits > max_ia;
}

bool block_allowed(unsigned granule, int level, const Features& f) {
  switch (granule) {
    case 12: return level == 1 || level == 2;
    case 14: return level == 2;
    case 16: return level == 2 || (level == 1 && f.oas_bits() >= 52);
    default: return false;
  }
}

uint64_t descriptor_address(uint64_t desc, unsigned granule, unsigned oas_bits) {
  uint64_t addr = s1desc::Address.in_place(desc) & ~((uint64_t{1} << granule) - 1);
  if (granule == 16 && oas_bits >= 52) addr |= s1desc::OA_52_48.get(desc) << 48;
  return addr;
}

}  // namespace smmu::ref
