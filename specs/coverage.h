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
enum CoverageObligation : uint8_t { kObligationStructure = 1, kObligationStage2 = 2, kObligationCombined = 4 };

// The obligations a word carries before it counts as covered.
uint8_t coverage_obligations(const TableRead& word);
// The obligations `inv` discharges for `word` when the cache may hold `cached` for it (a subset of
// coverage_obligations(word)). Whether a stage-1 leaf was global (nG = 0) decides whether a TLBI by ASID
// alone removes it; without the cached value the rule assumes it may have been.
uint8_t coverage_discharged(const InvalidationScope& inv, const TableRead& word,
                            std::optional<uint64_t> cached = std::nullopt);

struct CoverageRule {
  TableRole role;
  InvalidationScope::Kind kind;
  std::string_view section;
  std::string_view rule;
};
// The table itself, for reports and documentation; coverage_discharged() implements it.
std::span<const CoverageRule> coverage_table();

}  // namespace smmu
