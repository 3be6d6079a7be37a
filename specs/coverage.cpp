#include "specs/coverage.h"

namespace smmu {

namespace {

using Kind = InvalidationScope::Kind;

constexpr CoverageRule kRules[] = {
    {TableRole::Ste, Kind::Ste, "4.3.1", "CMD_CFGI_STE of the StreamID"},
    {TableRole::Ste, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE whose aligned block holds the StreamID (CFGI_ALL: all)"},
    {TableRole::L1Std, Kind::Ste, "4.3.1", "CMD_CFGI_STE of the StreamID with Leaf = 0 (Leaf = 1 need not touch the L1STD)"},
    {TableRole::L1Std, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE holding the StreamID"},
    {TableRole::Cd, Kind::Cd, "4.3.3", "CMD_CFGI_CD of (StreamID, SubstreamID)"},
    {TableRole::Cd, Kind::CdAll, "4.3.4", "CMD_CFGI_CD_ALL of the StreamID"},
    {TableRole::Cd, Kind::Ste, "4.3.1", "CMD_CFGI_STE also invalidates the CDs cached through that STE"},
    {TableRole::Cd, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE, likewise"},
    {TableRole::L1Cd, Kind::Cd, "4.3.3", "CMD_CFGI_CD with Leaf = 0"},
    {TableRole::L1Cd, Kind::CdAll, "4.3.4", "CMD_CFGI_CD_ALL of the StreamID"},
    {TableRole::L1Cd, Kind::Ste, "4.3.1", "CMD_CFGI_STE of the StreamID"},
    {TableRole::L1Cd, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE holding the StreamID"},
    {TableRole::S1Desc, Kind::TlbiStage1, "4.4.2",
     "a stage-1 TLBI of the descriptor's regime, VMID and ASID whose range meets the descriptor's VA range "
     "(Leaf = 1 and TTL: leaf entries of that level only; by ASID: not global leaf entries)"},
    {TableRole::S1Desc, Kind::TlbiAll, "4.4.2.4, 4.4.4.1", "CMD_TLBI_S12_VMALL of the VMID, CMD_TLBI_NSNH_ALL (NS-EL1)"},
    {TableRole::S2Desc, Kind::TlbiStage2, "4.4.3.1",
     "CMD_TLBI_S2_IPA of the VMID whose range meets the IPA range (Leaf and TTL as above); for a nested "
     "translation a stage-1 TLBI of the VMID must remove the combined entries too"},
    {TableRole::S2Desc, Kind::TlbiStage1, "4.4.3.1", "for nested translations: NH_ALL / NH_VA / NH_VAA of the VMID remove combined entries"},
    {TableRole::S2Desc, Kind::TlbiAll, "4.4.2.4, 4.4.4.1", "CMD_TLBI_S12_VMALL of the VMID, CMD_TLBI_NSNH_ALL"},
};

bool sid_in(const InvalidationScope& inv, uint32_t sid) {
  return inv.sid_count == 0 || (sid >= inv.sid && uint64_t{sid} - inv.sid < inv.sid_count);
}

// The range of an invalidation meets the range a descriptor covers (size 0: every address).
bool range_meets(const InvalidationScope& inv, const TableRead& w) {
  if (inv.size == 0) return true;
  const uint64_t a_end = inv.addr + inv.size, w_end = w.range_base + w.range_size;
  return inv.addr < w_end && w.range_base < a_end;
}

// Leaf = 1 removes leaf entries only; a TTL hint names the level of those leaves (§4.4.1.1).
bool leaf_and_level_match(const InvalidationScope& inv, const TableRead& w) {
  if (inv.leaf && !w.leaf) return false;
  if (inv.ttl != 0 && w.leaf && w.level != inv.ttl) return false;
  if (inv.ttl != 0 && !w.leaf) return false;  // the hint says the walk's tables need not go
  return true;
}

bool regime_matches(Regime inv, Regime word) {
  if (inv == Regime::Any) return true;
  if (inv == Regime::AnyEl2) return word == Regime::El2 || word == Regime::El2E2H;
  return inv == word;
}

// A stage-1 TLBI's effect on a stage-1 descriptor (§4.4.2): regime, VMID, ASID. A TLBI by ASID alone
// (NH_ASID, EL2_ASID) leaves global entries (nG = 0), so it covers a leaf only when the cached value was
// not global; one by address and ASID (NH_VA, EL2_VA) removes that ASID's entries and the global ones.
bool stage1_tlbi_covers(const InvalidationScope& inv, const TableRead& w, std::optional<uint64_t> cached) {
  if (!regime_matches(inv.regime, w.regime)) return false;
  if (inv.vmid && w.vmid && *inv.vmid != *w.vmid) return false;
  if (inv.asid && w.asid) {
    if (*inv.asid != *w.asid) return false;
    const bool not_global = cached && s1desc::nG.get(*cached);
    if (w.leaf && inv.size == 0 && !not_global) return false;
  }
  return range_meets(inv, w) && leaf_and_level_match(inv, w);
}

}  // namespace

std::span<const CoverageRule> coverage_table() { return kRules; }

uint8_t coverage_obligations(const TableRead& w) {
  if (w.role == TableRole::S2Desc && w.nested) return kObligationStage2 | kObligationCombined;
  if (w.role == TableRole::S2Desc) return kObligationStage2;
  return kObligationStructure;
}

uint8_t coverage_discharged(const InvalidationScope& inv, const TableRead& w, std::optional<uint64_t> cached) {
  switch (w.role) {
    case TableRole::Ste:
      if (inv.kind == Kind::Ste && inv.sid == w.sid) return kObligationStructure;
      if (inv.kind == Kind::SteRange && sid_in(inv, w.sid)) return kObligationStructure;
      return 0;
    case TableRole::L1Std:
      if (inv.kind == Kind::Ste && inv.sid == w.sid && !inv.leaf) return kObligationStructure;
      if (inv.kind == Kind::SteRange && sid_in(inv, w.sid)) return kObligationStructure;
      return 0;
    case TableRole::Cd:
    case TableRole::L1Cd: {
      const bool l1 = w.role == TableRole::L1Cd;
      if (inv.kind == Kind::Cd && inv.sid == w.sid && inv.ssid == w.ssid.value_or(0) && !(l1 && inv.leaf))
        return kObligationStructure;
      if (inv.kind == Kind::CdAll && inv.sid == w.sid) return kObligationStructure;
      if (inv.kind == Kind::Ste && inv.sid == w.sid) return kObligationStructure;
      if (inv.kind == Kind::SteRange && sid_in(inv, w.sid)) return kObligationStructure;
      return 0;
    }
    case TableRole::S1Desc:
      if (inv.kind == Kind::TlbiStage1 && stage1_tlbi_covers(inv, w, cached)) return kObligationStructure;
      if (inv.kind == Kind::TlbiAll && w.regime == Regime::NsEl1 && (!inv.vmid || !w.vmid || *inv.vmid == *w.vmid))
        return kObligationStructure;
      return 0;
    case TableRole::S2Desc: {
      const bool vmid_ok = !inv.vmid || !w.vmid || *inv.vmid == *w.vmid;
      if (inv.kind == Kind::TlbiAll && vmid_ok) return coverage_obligations(w);
      if (inv.kind == Kind::TlbiStage2 && vmid_ok && range_meets(inv, w) && leaf_and_level_match(inv, w))
        return kObligationStage2;
      // Combined entries are tagged with the VA, not the IPA: only a VA-independent stage-1 invalidation
      // of the VMID (NH_ALL, or NH_VAA / NH_VA over every address) is known to remove them.
      if (w.nested && inv.kind == Kind::TlbiStage1 && inv.regime == Regime::NsEl1 && vmid_ok && !inv.asid &&
          inv.size == 0)
        return kObligationCombined;
      return 0;
    }
  }
  return 0;
}

}  // namespace smmu
