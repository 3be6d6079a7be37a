// STE validity (Arm IHI 0070 §5.2, §5.2.2 SteIllegal) and the STE's derived properties.
#pragma once

#include <optional>

#include "reference/context.h"
#include "reference/stream_table.h"

namespace smmu::ref {

// The first ILLEGAL condition this STE meets for the implemented features, or nullopt when valid.
// V = 0 counts as ILLEGAL here: both give C_BAD_STE.
std::optional<const char*> ste_illegal(const Ste& st, const Features& f);

// Effective stage-2 output size in bits: S2PS capped at the OAS (§5.2).
unsigned s2_output_bits(const Ste& st, const Features& f);
// Stage-2 translation-table base address (§5.2 S2TTB: [51:4], or [47:4] in SMMUv3.0).
uint64_t s2ttb_address(const Ste& st, const Features& f);

// The StreamWorld (§5.2 STRW, §3.3.3): which translation regime stage 1 uses.
enum class StreamWorld : uint8_t { NsEl1, El2, El2E2H };
StreamWorld stream_world(const Ste& st, const Features& f, uint32_t cr2);
const char* stream_world_name(StreamWorld w);

}  // namespace smmu::ref
