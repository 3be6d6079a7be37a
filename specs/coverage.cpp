#include "specs/coverage.h"

namespace smmu {

namespace {

using Kind = InvalidationScope::Kind;

constexpr CoverageRule kRules[] = {
    {TableRole::Ste, Kind::Ste, "4.3.1", "CMD_CFGI_STE of the StreamID"},
    {TableRole::Ste, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE whose aligned block holds the StreamID (CFGI_ALL: all)"},
    {TableRole::L1Std, Kind::Ste, "4.3.1", "CMD_CFGI_STE with Leaf = 0 of any StreamID the L1STD locates (Leaf = 1 need not touch it)"},
    {TableRole::L1Std, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE meeting the StreamIDs it locates"},
    {TableRole::L1Std, Kind::Ste, "4.3.1", "and the STE of the StreamID read through it (CMD_CFGI_STE of it, any Leaf, or a range holding it): an STE found through the old L1STD may stay cached"},
    {TableRole::Cd, Kind::Cd, "4.3.3", "CMD_CFGI_CD of (StreamID, SubstreamID)"},
    {TableRole::Cd, Kind::CdAll, "4.3.4", "CMD_CFGI_CD_ALL of the StreamID"},
    {TableRole::Cd, Kind::Ste, "4.3.1", "CMD_CFGI_STE also invalidates the CDs cached through that STE"},
    {TableRole::Cd, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE, likewise"},
    {TableRole::L1Cd, Kind::Cd, "4.3.3", "CMD_CFGI_CD with Leaf = 0"},
    {TableRole::L1Cd, Kind::CdAll, "4.3.4", "CMD_CFGI_CD_ALL of the StreamID"},
    {TableRole::L1Cd, Kind::Ste, "4.3.1", "CMD_CFGI_STE of the StreamID"},
    {TableRole::L1Cd, Kind::SteRange, "4.3.2", "CMD_CFGI_STE_RANGE holding the StreamID"},
    {TableRole::S1Desc, Kind::TlbiStage1, "4.4.2",
     "a stage-1 TLBI of the descriptor's regime, VMID and ASID: for a cached block or page, one whose range meets "
     "the descriptor's VA range (Leaf = 1 and TTL: leaf entries of that level only; by ASID: not global leaf "
     "entries); for a cached table descriptor, one of the walk's tables (Leaf = 0, no TTL) whose range holds the VA"},
    {TableRole::S1Desc, Kind::TlbiAll, "4.4.2.4, 4.4.4.1", "CMD_TLBI_S12_VMALL of the VMID, CMD_TLBI_NSNH_ALL (NS-EL1)"},
    {TableRole::S2Desc, Kind::TlbiStage2, "4.4.3.1",
     "CMD_TLBI_S2_IPA of the VMID, with ranges, Leaf and TTL as above; for a nested "
     "translation a stage-1 TLBI of the VMID must remove the combined entries too"},
    {TableRole::S2Desc, Kind::TlbiStage1, "4.4.3.1", "for nested translations: NH_ALL / NH_VA / NH_VAA of the VMID remove combined entries"},
    {TableRole::S2Desc, Kind::TlbiAll, "4.4.2.4, 4.4.4.1", "CMD_TLBI_S12_VMALL of the VMID, CMD_TLBI_NSNH_ALL"},
};

bool sid_in(const InvalidationScope& inv, uint32_t sid) {
  return inv.sid_count == 0 || (sid >= inv.sid && uint64_t{sid} - inv.sid < inv.sid_count);
}

// Whether an invalidation removes what a translation table descriptor's cached value left in the SMMU's
// caches, for the walk of w.ia (Arm ARM D8.3, §4.4.1.1). A cached block or page descriptor is one leaf
// entry over the descriptor's range: an invalidation whose range meets that range removes it, unless
// a TTL hint names another level. A cached table descriptor is a walk-cache entry, and the entries of
// the tables it pointed to: the walk of w.ia may use any of them, down to a leaf entry that holds w.ia,
// so only an invalidation of the walk's tables (Leaf = 0, no TTL) whose range holds w.ia removes them
// all (an invalidation of another address in the descriptor's range leaves the deeper entries of w.ia).
bool removes_cached_descriptor(const InvalidationScope& inv, const TableRead& w, std::optional<uint64_t> cached) {
  const bool table = cached && w.level < 3 && (*cached & 3) == 3;  // Valid and Type (D8.3.1)
  if (table) {
    if (inv.leaf || inv.ttl != 0) return false;
    return inv.size == 0 || (w.ia >= inv.addr && w.ia - inv.addr < inv.size);
  }
  if (inv.ttl != 0 && w.level != inv.ttl) return false;
  if (inv.size == 0) return true;
  const uint64_t a_end = inv.addr + inv.size, w_end = w.range_base + w.range_size;
  return inv.addr < w_end && w.range_base < a_end;
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
    const bool cached_table = cached && w.level < 3 && (*cached & 3) == 3;
    const bool not_global = cached && s1desc::nG.get(*cached);
    if (!cached_table && inv.size == 0 && !not_global) return false;
  }
  return removes_cached_descriptor(inv, w, cached);
}

// §5.2: "The following STE fields are permitted to be cached as part of a translation or TLB entry" (those
// this model implements; S2VMID is the tag). §5.4.1: the same list for the CD (ASID is the tag).
constexpr const Field* kSteTlbFields[] = {&ste::S2TTB, &ste::S2PTW, &ste::S2T0SZ, &ste::S2IR0, &ste::S2OR0,
                                          &ste::S2SH0, &ste::S2SL0, &ste::S2TG, &ste::S2PS, &ste::S2AFFD,
                                          &ste::S2HA, &ste::S2HD, &ste::S2ENDI, &ste::S2AA64, &ste::S2FWB};
constexpr const Field* kCdTlbFields[] = {&cd::HAD0, &cd::HAD1, &cd::AFFD, &cd::MAIR0, &cd::MAIR1, &cd::AMAIR0,
                                         &cd::AMAIR1, &cd::EPD0, &cd::EPD1, &cd::TTB0, &cd::TTB1, &cd::T0SZ,
                                         &cd::T1SZ, &cd::OR0, &cd::OR1, &cd::IR0, &cd::IR1, &cd::SH0, &cd::SH1,
                                         &cd::ENDI, &cd::TG0, &cd::TG1, &cd::HA, &cd::HD, &cd::WXN, &cd::UWXN,
                                         &cd::AA64, &cd::TBI0, &cd::TBI1, &cd::IPS, &cd::NSCFG0, &cd::NSCFG1,
                                         &cd::PAN, &cd::EPAN, &cd::PnCH, &cd::PIE, &cd::PIIP, &cd::PIIU,
                                         &cd::AIE, &cd::HAFT};

template <size_t N>
uint64_t bits_in_qword(const Field* const (&fields)[N], unsigned index) {
  uint64_t m = 0;
  for (const Field* f : fields)
    if (f->qword == index) m |= f->mask_in_place();
  return m;
}

}  // namespace

uint64_t tlb_cached_bits(TableRole role, unsigned index) {
  if (role == TableRole::Ste) return bits_in_qword(kSteTlbFields, index);
  if (role == TableRole::Cd) return bits_in_qword(kCdTlbFields, index);
  return 0;
}

bool coverage_tlb_discharged(const InvalidationScope& inv, const TableRead& w) {
  const bool vmid_ok = !inv.vmid || !w.vmid || *inv.vmid == *w.vmid;
  if (inv.kind == Kind::TlbiAll) return vmid_ok;  // CMD_TLBI_S12_VMALL, CMD_TLBI_NSNH_ALL (§4.4.3.2, §4.4.4.1)
  // A CD's fields: every address of its ASID (NH_ASID, EL2_ASID) or of every ASID (NH_ALL, EL2_ALL).
  if (w.role == TableRole::Cd && inv.kind == Kind::TlbiStage1 && inv.size == 0 && vmid_ok)
    return !inv.asid || !w.asid || *inv.asid == *w.asid;
  return false;
}

std::span<const CoverageRule> coverage_table() { return kRules; }

uint8_t coverage_obligations(const TableRead& w) {
  if (w.role == TableRole::L1Std) return kObligationStructure | kObligationStreamSte;
  if (w.role != TableRole::S2Desc) return kObligationStructure;
  uint8_t o = w.nested ? kObligationStage2 | kObligationCombined : kObligationStage2;
  // The CD fetched through this stage-2 walk may itself be cached: a CMD_CFGI_CD (or of its STE) removes it.
  if (w.structure_fetch) o |= kObligationStructure;
  return o;
}

uint8_t coverage_discharged(const InvalidationScope& inv, const TableRead& w, std::optional<uint64_t> cached) {
  switch (w.role) {
    case TableRole::Ste:
      if (inv.kind == Kind::Ste && inv.sid == w.sid) return kObligationStructure;
      if (inv.kind == Kind::SteRange && sid_in(inv, w.sid)) return kObligationStructure;
      return 0;
    case TableRole::L1Std: {
      // §4.3.1: Leaf = 0 invalidates "all caching of the intermediate L1ST descriptor structures walked to
      // locate the specified STE": the one L1STD of every StreamID in its span (w.range_base, w.range_size).
      // The StreamID's own STE goes with an invalidation of it, whatever Leaf says.
      const bool same_l1 = w.range_size ? inv.sid - w.range_base < w.range_size : inv.sid == w.sid;
      if (inv.kind == Kind::Ste)
        return uint8_t((same_l1 && !inv.leaf ? kObligationStructure : 0) | (inv.sid == w.sid ? kObligationStreamSte : 0));
      const bool meets = inv.sid_count == 0 || (w.range_size ? inv.sid < w.range_base + w.range_size &&
                                                                   w.range_base < uint64_t{inv.sid} + inv.sid_count
                                                             : sid_in(inv, w.sid));
      if (inv.kind == Kind::SteRange)
        return uint8_t((meets ? kObligationStructure : 0) | (sid_in(inv, w.sid) ? kObligationStreamSte : 0));
      return 0;
    }
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
      if (w.structure_fetch) {  // the CD fetched through the walk (see coverage_obligations)
        const uint32_t ssid = w.ssid.value_or(0);
        if ((inv.kind == Kind::Cd && inv.sid == w.sid && inv.ssid == ssid) || (inv.kind == Kind::CdAll && inv.sid == w.sid) ||
            (inv.kind == Kind::Ste && inv.sid == w.sid) || (inv.kind == Kind::SteRange && sid_in(inv, w.sid)))
          return kObligationStructure;
      }
      if (inv.kind == Kind::TlbiAll && vmid_ok) return coverage_obligations(w) & ~kObligationStructure;
      if (inv.kind == Kind::TlbiStage2 && vmid_ok && removes_cached_descriptor(inv, w, cached))
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
