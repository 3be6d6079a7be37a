// The coverage table of the caching rule (ARCHITECTURE.md): which invalidation command covers which
// footprint word (role and key), each rule with its spec section. A table word written since it was last
// covered may still be cached; a DMA whose footprint holds only covered words must give exactly the
// reference's result.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "specs/model.h"

namespace smmu {

// What an invalidation does to a word: nothing, or the whole obligation. A stage-2 descriptor used by a
// nested translation is cached twice (as a stage-2 entry and inside combined stage-1+2 entries), so it
// carries two obligations: kStage2 (TLBI_S2_IPA and wider) and kCombined (a stage-1 TLBI that removes
// the combined entries, §4.4.3.1).
// kObligationStreamSte: an L1STD read on behalf of a StreamID is stale until the L1STD is invalidated
// (kObligationStructure) and so is that StreamID's cached STE, which the SMMU may have found through the old
// L1STD and may keep using without walking it again (§4.3.1: STEs are cached per StreamID).
enum CoverageObligation : uint8_t {
  kObligationStructure = 1, kObligationStage2 = 2, kObligationCombined = 4, kObligationStreamSte = 8
};

// The obligations a word carries before it counts as covered.
uint8_t coverage_obligations(const TableRead& word);
// The obligations `inv` discharges for `word` when the cache may hold `cached` for it (a subset of
// coverage_obligations(word)). Whether a stage-1 leaf was global (nG = 0) decides whether a TLBI by ASID
// alone removes it; without the cached value the rule assumes it may have been.
uint8_t coverage_discharged(const InvalidationScope& inv, const TableRead& word,
                            std::optional<uint64_t> cached = std::nullopt);

// STE and CD fields "permitted to be cached as part of a translation or TLB entry" (§5.2 after the field
// list, §5.4.1 likewise): the bits of qword `index` of an STE or CD that a TLB entry may hold. A change to
// them is covered for a DMA only once the structure is invalidated and then the TLB entries that may have
// cached them are (coverage_tlb_discharged). The tags (S2VMID, ASID) are not among them: entries under an
// old tag are not looked up by the new configuration.
uint64_t tlb_cached_bits(TableRole role, unsigned index);
// Whether `inv` removes every TLB entry that may hold TLB-cached fields of the STE or CD `word`: an
// invalidation of all addresses of the word's VMID (STE), or of its ASID or VMID (CD).
bool coverage_tlb_discharged(const InvalidationScope& inv, const TableRead& word);

struct CoverageRule {
  TableRole role;
  InvalidationScope::Kind kind;
  std::string_view section;
  std::string_view rule;
};
// The table itself, for reports and documentation; coverage_discharged() implements it.
std::span<const CoverageRule> coverage_table();

}  // namespace smmu
