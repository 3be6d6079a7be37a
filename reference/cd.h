// Context descriptors: CD table lookup (Arm IHI 0070 §3.3.2, §5.2 S1Fmt, §5.3 L1CD) and CD validity
// (§5.4, §5.4.2 CdIllegal).
#pragma once

#include <array>
#include <functional>
#include <optional>

#include "reference/context.h"
#include "reference/ste.h"

namespace smmu::ref {

struct Cd {
  std::array<uint64_t, cd::kQwords> q{};
  uint64_t operator[](const Field& f) const { return f.get(std::span<const uint64_t>(q)); }
  uint64_t in_place(const Field& f) const { return f.in_place(std::span<const uint64_t>(q)); }
};

// Maps the address of a structure the SMMU reads to a PA: the identity when stage 2 is disabled, a
// stage-2 translation (CLASS = CD or TT) when it is enabled. A stage-2 fault ends the transaction.
using ToPa = std::function<Result<uint64_t>(uint64_t addr, bool is_cd)>;

// Fetches the CD at `index` of the STE's CD table (linear or 2-level). A C_BAD_SUBSTREAMID from the
// L1CD records `index` (0 when CD 0 serves a transaction without a SubstreamID, §7.3.9).
Result<Cd> fetch_cd(const Ctx& ctx, const Ste& st, uint32_t index, const ToPa& to_pa);

// The first ILLEGAL condition of the CD as reached through `st`, or nullopt (§5.4.2).
std::optional<const char*> cd_illegal(const Cd& c, const Ste& st, StreamWorld world, const Features& f);

// Effective EPDx (§5.4.1.1): EL2 has one VA range, so TTB1 is unreachable and EPD0 reads as 0.
bool effective_epd0(const Cd& c, StreamWorld w);
bool effective_epd1(const Cd& c, StreamWorld w);
// Effective stage-1 output size: CD.IPS capped at the OAS (§5.4).
unsigned cd_output_bits(const Cd& c, const Features& f);
// TTB0/TTB1 address (§5.4: bits [51:4], [47:4] in SMMUv3.0).
uint64_t ttb_address(const Cd& c, const Field& ttb, const Features& f);

}  // namespace smmu::ref
