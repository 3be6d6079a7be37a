// The optimized SMMUv3 model: a complete SMMUv3 of its own (registers, queues, events, walks) with a
// configuration cache, an IOTLB, a walk cache and a batch translation fast path. It shares only specs/
// with the reference model. The class is defined across files named for their concern: registers.cpp
// (§6.3), command_queue.cpp (§4, §7.1), invalidate.cpp (CFGI/TLBI scopes, §4.3, §4.4), event_queue.cpp
// (§7.2, §7.4, §7.5), config.cpp (STE/CD decode and validity, §5.2.2, §5.4.2), config_cache.h, tlb.h,
// walk_cache.h (§3.17, §3.21.1), walk.h (Arm ARM D8), stream.cpp (§3.3.2, §5.1, §5.3), stages.cpp (§3.4,
// stage 1, stage 2, nested), attributes.cpp (§13), translate.cpp (the flow of §3.3) and fast_path.cpp
// (translate_batch's warm-hit path).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "optimized/attributes.h"
#include "optimized/config.h"
#include "optimized/config_cache.h"
#include "optimized/tlb.h"
#include "optimized/walk_cache.h"
#include "specs/model.h"

#ifndef SMMUCHECK_FAULT_INJECTION
#define SMMUCHECK_FAULT_INJECTION 0
#endif
#if SMMUCHECK_FAULT_INJECTION
#include "optimized/fault_injection.h"
#endif

namespace smmu::opt {

// The Non-secure register file (§6.2), as stored.
struct Registers {
  uint32_t cr0 = 0, cr0ack = 0, cr1 = 0, cr2 = 0, gbpa = 0, irq_ctrl = 0, irq_ctrlack = 0;
  uint32_t gerror = 0, gerrorn = 0;
  uint64_t gerror_irq_cfg0 = 0;
  uint32_t gerror_irq_cfg1 = 0, gerror_irq_cfg2 = 0;
  uint64_t strtab_base = 0;
  uint32_t strtab_base_cfg = 0;
  uint64_t cmdq_base = 0;
  uint32_t cmdq_prod = 0, cmdq_cons = 0;
  uint64_t eventq_base = 0;
  uint32_t eventq_prod = 0, eventq_cons = 0;
  uint64_t eventq_irq_cfg0 = 0;
  uint32_t eventq_irq_cfg1 = 0, eventq_irq_cfg2 = 0;
};

// Counters for tests and benchmarks (not architectural).
struct CacheStats {
  uint64_t tlb_hits = 0, tlb_misses = 0, tlb_inserts = 0, tlb_evictions = 0;
  uint64_t ste_hits = 0, ste_misses = 0, cd_hits = 0, cd_misses = 0;
  uint64_t walk_cache_hits = 0, table_reads = 0;
};

class OptimizedSmmu final : public SmmuModel {
 public:
  struct Sizes {
    unsigned tlb_log2 = 15;         // IOTLB slots (power of two)
    unsigned walk_cache_log2 = 12;  // walk-cache slots
    unsigned ste_cache_log2 = 12;   // STE cache slots
    unsigned cd_cache_log2 = 12;    // CD cache slots
    unsigned memo_sets_log2 = 14;   // sets of the final-result memo (kMemoWays entries each)
  };
  // The model implements the requested features clamped to implemented().
  OptimizedSmmu(const Features& requested, Memory& memory) : OptimizedSmmu(requested, memory, Sizes{}) {}
  OptimizedSmmu(const Features& requested, Memory& memory, const Sizes& sizes);

  // The same feature set as the reference model: VMSAv8-64 little-endian tables, no HTTU/ATS/PRI/stalls.
  static Features implemented();

  const Features& features() const override { return features_; }
  uint64_t mmio_read(uint32_t offset, unsigned size) override;
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override;
  Outcome translate(const Transaction& t, WalkObserver* observer = nullptr) override;
  void translate_batch(std::span<const Transaction> in, std::span<Outcome> out) override;
  void set_observer(WalkObserver* observer) override { observer_ = observer; }

  const CacheStats& stats() const { return stats_; }
  size_t tlb_entries() const { return tlb_.size(); }
  size_t walk_cache_entries() const { return walk_cache_.size(); }
  size_t ste_cache_entries() const { return config_.ste_count(); }
  size_t cd_cache_entries() const { return config_.cd_count(); }
#if SMMUCHECK_FAULT_INJECTION
  FaultInjection& fault_injection() {
    config_changed();  // the fast path memoizes the VMID tag
    return inject_;
  }
#endif

 private:
  friend struct Translation;

  // registers.cpp
  uint64_t read32(uint32_t offset) const;
  void write32(uint32_t offset, uint32_t value);
  bool reg64(uint32_t offset) const;
  void write64(uint32_t offset, uint64_t value);
  void flush_all_caches();

  // command_queue.cpp
  void process_commands();
  uint8_t execute_command(const std::array<uint64_t, 2>& c, InvalidationScope& scope);
  // invalidate.cpp
  void invalidate(const InvalidationScope& s);

  // event_queue.cpp
  void record_event(const EventRecord& r, WalkObserver* obs);
  void activate_gerror(const Field& bit);
  void send_msi(uint64_t cfg0, uint32_t data, const Field& abort_bit, WalkObserver* obs);
  uint64_t truncate_to_oas(uint64_t pa) const;

  // invalidate.cpp: cache insertion helpers
  uint16_t tlb_vmid(uint16_t vmid) const;  // the VMID a TLB lookup is tagged with
  void insert_tlb(TlbKind kind, World w, uint16_t key_vmid, bool global, uint16_t asid, uint64_t ia, uint32_t ctx,
                  const TlbData& d);
  void insert_s2(uint64_t ipa, uint16_t key_vmid, uint16_t vmid, uint64_t oa, uint64_t desc, unsigned size_log2,
                 uint32_t ctx);
  void cache_fault(TlbKind kind, World w, uint16_t key_vmid, uint16_t vmid, uint16_t asid, uint64_t ia,
                   unsigned granule, uint32_t ctx);

  // translate.cpp: the full flow, with caches (slow path).
  void translate_one(const Transaction& t, WalkObserver* obs, Outcome& o);
  bool smmu_enabled() const;

  // fast_path.cpp: a TLB hit that the access may use, from a memo of the stream's decoded configuration
  // (valid while `epoch_` is unchanged: any register write, command or configuration-cache change moves it).
  struct FastCtx {
    uint64_t epoch = ~uint64_t{0};
    uint32_t sid = 0;
    int64_t ssid = -1;
    uint8_t mode = 0;  // 0: take the slow path; 1: stage 1; 2: stage 2 only (stage 1 bypassed); 3: nested
    World world = World::NsEl1;
    bool asid_tagged = false, el2 = false, wxn = false, pan = false;
    uint8_t privcfg = 0, instcfg = 0;
    uint16_t key_vmid = 0, asid = 0;
    struct Tt {
      bool enabled = false, tbi = false, e0pd = false, had = false;
      uint8_t ia_bits = 0;
      uint32_t ctx = 0;
    } tt[2];
    uint8_t ias = 0, s2_ia = 0;
    uint32_t s2ctx = 0;
    uint64_t mair = 0;
    Attrs input;
    MemAttrs s1_out[8][4];  // stage-1-only output attributes by AttrIndx and SH
  };
  // A set-associative memo of final results by (StreamID, SubstreamID, PRIV, input page): what a TLB hit plus
  // the permission and attribute rules gave, valid while `epoch_` is unchanged. It holds only successful
  // translations of entries the TLB held, and every command, register write and configuration change moves
  // the epoch, so it returns nothing the IOTLB itself could not.
  struct Memo {
    uint64_t stream = 0;  // StreamID, SubstreamID + 1, PRIV; bit 62 set so an empty slot matches nothing
    uint64_t page = 0;    // input address >> 12
    uint64_t pa = 0;      // output address of the page
    uint32_t epoch = 0;
    uint8_t perms = 0;    // bit 0 read, 1 write, 2 execute
    uint8_t cfg = 0;      // STE PRIVCFG [1:0], INSTCFG [3:2]
    uint8_t mair = 0, sh = 0;
  };
  static constexpr unsigned kMemoWays = 4;  // 4-way set associative
  bool fast_translate(const Transaction& t, Outcome& o);
  void prefetch_memo(const Transaction& t) const;
  void build_fast_ctx(const Transaction& t, FastCtx& c);
  void config_changed() { ++epoch_; }

  Features features_;
  Memory& memory_;
  Registers regs_;
  WalkObserver* observer_ = nullptr;
  bool processing_commands_ = false;
  ConfigCache config_;
  Tlb tlb_;
  WalkCache walk_cache_;
  CacheStats stats_;
  uint64_t epoch_ = 0;
  std::vector<FastCtx> fast_ = std::vector<FastCtx>(256);
  unsigned memo_sets_log2_;
  std::vector<Memo> memo_;
#if SMMUCHECK_FAULT_INJECTION
  FaultInjection inject_;
#endif
};

}  // namespace smmu::opt
