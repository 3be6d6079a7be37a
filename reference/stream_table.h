// Stream table lookup: StreamID to STE (Arm IHI 0070 §3.3.2, §5.1, §6.3.24, §6.3.25).
#pragma once

#include <array>

#include "reference/context.h"

namespace smmu::ref {

// The eight qwords of an STE, read through the field table: st[ste::Config].
struct Ste {
  std::array<uint64_t, ste::kQwords> q{};
  uint64_t operator[](const Field& f) const { return f.get(std::span<const uint64_t>(q)); }
  uint64_t in_place(const Field& f) const { return f.in_place(std::span<const uint64_t>(q)); }
  unsigned config() const { return static_cast<unsigned>((*this)[ste::Config]); }
  bool translates() const { return config() & 0b100; }                 // Config = 0b1xx
  bool s1_enabled() const { return (config() & 0b101) == 0b101; }      // Config = 0b1x1
  bool s2_enabled() const { return (config() & 0b110) == 0b110; }      // Config = 0b11x
};

// Locates and fetches the STE of ctx.txn.sid: C_BAD_STREAMID for a StreamID outside the table or behind
// an invalid L1 descriptor, F_STE_FETCH for an external abort.
Result<Ste> fetch_ste(const Ctx& ctx);

}  // namespace smmu::ref
