// VMSAv8-64 translation-table geometry shared by the stage-1 and stage-2 walks (Arm ARM D8.2, D8.3).
#pragma once

#include <cstdint>
#include <optional>

#include "specs/feature_set.h"

namespace smmu::ref {

// A granule is identified by its shift: 12 (4KB), 14 (16KB) or 16 (64KB).
inline unsigned stride(unsigned granule) { return granule - 3; }
// The lowest input-address bit a descriptor at `level` resolves.
inline unsigned level_shift(unsigned granule, int level) { return granule + (3 - level) * stride(granule); }

// CD.TG0 / STE.S2TG encoding: 0 = 4KB, 1 = 64KB, 2 = 16KB, 3 reserved (§5.2, §5.4).
std::optional<unsigned> decode_tg0(unsigned tg);
// CD.TG1 encoding: 0 reserved, 1 = 16KB, 2 = 4KB, 3 = 64KB (§5.4).
std::optional<unsigned> decode_tg1(unsigned tg);

// Stage-1 start level for an input size of `ia_bits` (Arm ARM D8.2: FINAL_LEVEL - ((ia-1-g) DIV stride)).
int s1_start_level(unsigned granule, unsigned ia_bits);

// Stage-2 start level from S2SL0 (VTCR_EL2.SL0 encoding), or nullopt for a reserved encoding.
std::optional<int> s2_start_level(unsigned granule, unsigned sl0, const Features& f);

// Arm ARM AArch64.S2InconsistentSL: the start level must resolve at least one bit and at most one stride
// plus four bits (16 concatenated tables).
bool s2_walk_inconsistent(unsigned granule, int start_level, unsigned ia_bits);

// Whether a block descriptor is permitted at `level` (Arm ARM D8.3; no FEAT_LPA2). A 64KB level-1
// block needs FEAT_LPA, read here as a 52-bit OAS (specs/unpredictable.def BLOCK_64K_LEVEL1).
bool block_allowed(unsigned granule, int level, const Features& f);

// The output or next-level table address a descriptor holds (Arm ARM D8.3): bits [47:granule], plus
// OA[51:48] from bits [15:12] with the 64KB granule when FEAT_LPA is implemented (a 52-bit OAS), whatever
// the configured output size: non-zero bits then give an Address Size fault with a smaller PS.
uint64_t descriptor_address(uint64_t desc, unsigned granule, unsigned oas_bits);

}  // namespace smmu::ref
