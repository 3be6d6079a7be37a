// One transaction's trip through the translation flow (Arm IHI 0070 §3.3, §3.4, §5, §13), with the caches:
// the stream table and CD fetch (stream.cpp), the stage-1 and stage-2 walks (stages.cpp) and the flow,
// attributes and permissions (translate.cpp). Internal to the optimized model.
#pragma once

#include <optional>

#include "optimized/smmu.h"
#include "optimized/walk.h"

namespace smmu::opt {

// CLASS of a translation-related event (§7.3).
inline constexpr uint8_t kClassCd = 0, kClassTt = 1, kClassIn = 2;

// The stage-2 result of one IPA: output address and the leaf descriptor bits.
struct S2Result {
  uint64_t pa = 0;
  uint64_t desc = 0;  // leaf descriptor (attribute and permission bits)
  unsigned size_log2 = 12;
  bool from_tlb = false;
  uint32_t ctx = 0;
};
struct S1Result {
  uint64_t oa = 0;    // output (IPA, or PA; for a combined nested TLB hit the final PA)
  uint64_t desc = 0;
  unsigned table_bits = 0;
  unsigned size_log2 = 12;
  uint64_t eff_va = 0;
  int tt = 0;              // TTB0 or TTB1
  bool from_tlb = false;
  bool combined = false;   // a nested TLB hit: s2_desc holds the stage-2 leaf, oa the PA
  uint64_t s2_desc = 0;
  unsigned s2_size_log2 = 12;
  bool global = false;     // nG == 0
  bool cacheable = false;  // AF == 1: the translation may enter the TLB (§3.21.1)
  uint32_t ctx = 0;        // table_context() of the walk
};

struct Translation {
  OptimizedSmmu& m;
  const Features& f;
  const Transaction& t;
  WalkObserver* obs;
  Outcome& o;
  SteConfig ste;
  const CdConfig* cd = nullptr;
  bool priv = false, instr = false;  // post-STE-override PRIV and INST (§13.1.2)
  bool use_tlb = true;               // false: a TLB hit failed a permission check, walk again

  Translation(OptimizedSmmu& model, const Transaction& txn, WalkObserver* observer, Outcome& out)
      : m(model), f(model.features_), t(txn), obs(observer), o(out) {}

  // translate.cpp
  void run();
  void gbpa_bypass();
  void ste_bypass();
  void translate_stages(std::optional<uint32_t> cd_index);
  void retry_without_tlb(std::optional<uint32_t> cd_index);
  void success(uint64_t pa, const S1Result* s1, const S2Result* s2);
  // Whether the access (read, write or instruction fetch) is permitted by r/w/x.
  bool access_ok(bool r, bool w, bool x) const { return instr ? x : (t.read ? r : w); }

  // stream.cpp: §3.3.2, §5.1, §5.2 (the STE) and §5.3, §5.4 (the CD), through the configuration cache.
  bool fetch_ste();
  bool fetch_cd(uint32_t index);
  bool read_words(uint64_t pa, unsigned n, uint64_t* out, TableRole role, unsigned first_index,
                  std::optional<uint32_t> ssid, std::optional<uint64_t> ipa, uint64_t& abort_pa);

  // stages.cpp
  bool stage1(const CdConfig& cd, S1Result& r);
  bool stage2(uint64_t ipa, uint8_t cls, S2Result& r, uint64_t walk_desc_ipa = 0);
  std::optional<uint64_t> read_desc(uint64_t pa, TableRole role, int level, uint64_t ia, unsigned span,
                                    std::optional<uint64_t> ipa);

  // Events (§7.3): the record with the fields its type carries, then the outcome.
  EventRecord record(EventType type) const;
  void fault(const EventRecord& r, bool recorded);
  void config_fault(EventType type) { fault(record(type), true); }
  void fetch_fault(EventType type, uint64_t fetch_pa);
  // F_TRANSLATION/F_ADDR_SIZE/F_ACCESS/F_PERMISSION, gated by CD.R/A (stage 1) or STE.S2R (§5.5).
  void translation_fault(EventType type, bool s2, uint8_t cls, uint64_t ipa, bool ttrnw = false);
  void walk_eabt(bool s2, uint8_t cls, uint64_t fetch_pa);
};

}  // namespace smmu::opt
