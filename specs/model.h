// The model interface of ARCHITECTURE.md: what every SMMUv3 model (reference, optimized, a plugin, QEMU
// through qtest) takes and gives. The models share these types and the field tables, nothing else.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "specs/feature_set.h"
#include "specs/layout.h"
#include "specs/physical_memory.h"

namespace smmu {

// An incoming client transaction (§3.2, §13.1). Attributes the interconnect does not supply take the
// defaults of §13.1.3; this harness models a client that supplies none.
struct Transaction {
  uint32_t sid = 0;
  std::optional<uint32_t> ssid;  // SubstreamID, when SSV = 1
  uint64_t addr = 0;             // 64-bit input address
  bool read = true;              // RnW
  bool instr = false;            // InD (a write is always data, §13.1.2)
  bool priv = false;             // PnU
};

// A 32-byte event record (§7.3), read and written through the event field table.
struct EventRecord {
  std::array<uint64_t, event::kQwords> q{};
  uint64_t get(const Field& f) const { return f.get(std::span<const uint64_t>(q)); }
  EventRecord& set(const Field& f, uint64_t v) {
    f.set(std::span<uint64_t>(q), v);
    return *this;
  }
  uint8_t type() const { return static_cast<uint8_t>(get(event::EVENT_TYPE)); }
  bool operator==(const EventRecord&) const = default;
};

// Permissions the final translation grants the transaction's privilege level (after STE overrides).
struct Permissions {
  bool read = false, write = false, exec = false;
  bool operator==(const Permissions&) const = default;
};

// Output memory attributes (§13.1, §13.4.4): the memory type in the MAIR encoding (Device 0b0000dd00,
// Normal outer:inner nibbles with their allocation and transient hints), shareability (0 NSH, 2 OSH,
// 3 ISH), and the post-override INST and PRIV attributes.
struct MemAttrs {
  uint8_t mair = 0;
  uint8_t sh = 0;
  bool instr = false;
  bool priv = false;
  bool operator==(const MemAttrs&) const = default;
};

enum class OutcomeKind : uint8_t {
  Success,         // the transaction proceeds to `pa`
  Fault,           // terminated with an abort; `event` says why (recorded or suppressed)
  Terminated,      // terminated with an abort and no event at all (Config abort, GBPA.ABORT, ...)
  CompletedRazWi,  // a stage-1 translation-related fault with CD.A = 0: reads as zero, writes ignored (§5.5)
};
const char* outcome_kind_name(OutcomeKind k);

struct Outcome {
  OutcomeKind kind = OutcomeKind::Terminated;
  uint64_t pa = 0;
  Permissions perms;
  MemAttrs attrs;
  std::optional<EventRecord> event;  // the fault's complete record
  bool recorded = false;             // whether the record goes to the event queue (§5.5, CR2.RECINVSID)
};

// The translation regimes of Non-secure streams (§3.17: what TLB entries are tagged with, from the
// StreamWorld): NS-EL1 (ASID and VMID), NS-EL2 (neither), NS-EL2-E2H (ASID). Any / AnyEl2 name sets of them.
enum class Regime : uint8_t { Any, NsEl1, El2, El2E2H, AnyEl2 };

// The roles of table words a translation reads (ARCHITECTURE.md, footprint).
enum class TableRole : uint8_t { L1Std, Ste, L1Cd, Cd, S1Desc, S2Desc };
const char* table_role_name(TableRole r);

// One 64-bit table word read by a walk, with the key that names what it configures.
struct TableRead {
  TableRole role = TableRole::Ste;
  uint64_t pa = 0;                 // physical address of the word
  std::optional<uint64_t> value;   // nullopt: the read was externally aborted
  uint32_t sid = 0;
  std::optional<uint32_t> ssid;    // CD, L1CD and stage-1 descriptors reached through a CD
  unsigned index = 0;              // qword of a multi-word structure (STE, CD)
  int level = -1;                  // translation table level, for S1Desc and S2Desc
  bool leaf = false;               // the descriptor ended the walk (block, page or invalid)
  uint64_t range_base = 0;         // input range (VA or IPA) the descriptor covers
  uint64_t range_size = 0;
  uint64_t ia = 0;                 // S1Desc, S2Desc: the address the walk translates (VA after TBI, or IPA)
  std::optional<uint16_t> asid;    // stage-1 descriptors with an ASID-tagged regime
  std::optional<uint16_t> vmid;    // descriptors of a VMID-tagged regime
  std::optional<uint64_t> ipa;     // for a structure fetched through stage 2 (nested): its IPA
  Regime regime = Regime::Any;     // S1Desc: the regime of the stream's StreamWorld
  bool nested = false;             // S2Desc: read for a nested translation (combined with stage 1)
  // S2Desc: read to translate the address of a CD or L1CD fetch (CLASS = CD), for the CD of (sid, ssid). A
  // CD fetched through it may stay cached until a CMD_CFGI_CD (§5.4: a CD successfully fetched might be
  // cached; any change to it is made visible with CMD_CFGI_CD), whatever the TLB invalidations say.
  bool structure_fetch = false;
};

// What a consumed command invalidates (Arm IHI 0070 chapter 4), decoded by the model, so that the runner can
// tell a well-synchronized stream from one that is not. Fields a kind does not use stay empty.
struct InvalidationScope {
  enum class Kind : uint8_t {
    None,        // not an invalidation (prefetch, sync, ...)
    Ste,         // CMD_CFGI_STE: the STE of `sid` and the CDs cached through it (Leaf: not its L1STD)
    SteRange,    // CMD_CFGI_STE_RANGE (CMD_CFGI_ALL when sid_count covers every StreamID)
    Cd,          // CMD_CFGI_CD: the CD of (sid, ssid) (Leaf: not its L1CD)
    CdAll,       // CMD_CFGI_CD_ALL: every CD of `sid`
    TlbiStage1,  // stage-1 (and nested) TLB entries of a regime, narrowed by asid/vmid/address
    TlbiStage2,  // CMD_TLBI_S2_IPA: stage-2-only entries of `vmid` by IPA
    TlbiAll,     // CMD_TLBI_S12_VMALL (vmid set) and CMD_TLBI_NSNH_ALL (no vmid): every NS-EL1 entry, all stages
  };
  using Regime = smmu::Regime;
  Kind kind = Kind::None;
  Regime regime = Regime::Any;
  uint32_t sid = 0;
  uint64_t sid_count = 0;          // SteRange: the aligned block of StreamIDs
  std::optional<uint32_t> ssid;
  std::optional<uint16_t> asid;    // none: every ASID
  std::optional<uint16_t> vmid;    // none: every VMID
  uint64_t addr = 0, size = 0;     // VA or IPA range; size 0: every address
  bool leaf = false;               // only last-level entries need go (TLBI and CFGI Leaf = 1)
  uint8_t ttl = 0;                 // range TLBI level hint (0: any)
};

// A command the model consumed, or the one it stopped at with an error (§4, §7.1).
struct CommandReport {
  std::array<uint64_t, 2> raw{};
  uint32_t index = 0;              // queue index (with wrap bit) it was read from
  uint8_t opcode = 0;
  uint8_t error = 0;               // CERROR code; 0 when consumed
  InvalidationScope scope;
};

// Extension point for traces, footprints and checkers (STYLE.md): the model reports, never prints.
class WalkObserver {
 public:
  virtual ~WalkObserver() = default;
  virtual void table_read(const TableRead& /*read*/) {}
  // A decision the model took, with the section of Arm IHI 0070 (or the Arm ARM) that requires it.
  virtual void decision(std::string_view /*section*/, std::string_view /*text*/) {}
  // False when decisions would be dropped: a model may then skip formatting them (the diff runner's
  // footprint recorder wants table reads only, millions of times in a fuzz campaign).
  virtual bool wants_decisions() const { return true; }
  virtual void command(const CommandReport& /*c*/) {}
  // An event record written to the event queue at `pa`, or discarded (`pa` empty) (§7.4).
  virtual void event(const EventRecord& /*record*/, std::optional<uint64_t> /*pa*/) {}
  // A 32-bit MSI write the SMMU made (CMD_SYNC completion, event or GERROR interrupt), ok = not aborted.
  virtual void msi(uint64_t /*pa*/, uint32_t /*data*/, bool /*ok*/) {}
};

// What a model can report. A peer driven from outside (QEMU through qtest, hardware) may not see every
// field of a result; the checkers mask what it declares it cannot observe (ARCHITECTURE.md).
struct Observability {
  bool pa = true;        // Outcome.pa of a success
  bool perms = true;     // Outcome.perms
  bool attrs = true;     // Outcome.attrs
  bool recorded = true;  // Outcome.recorded and the fault's event beyond what reached the event queue
  bool footprint = true; // table reads through the observer
  bool operator==(const Observability&) const = default;
};

// An SMMUv3 model. Commands are processed synchronously when a register write lets processing resume;
// every model is deterministic step by step; quiesce() brings an asynchronous model to rest.
class SmmuModel {
 public:
  virtual ~SmmuModel() = default;
  virtual const Features& features() const = 0;
  virtual uint64_t mmio_read(uint32_t offset, unsigned size) = 0;
  virtual void mmio_write(uint32_t offset, unsigned size, uint64_t value) = 0;
  // Translates one transaction; a fault the configuration records is also written to the event queue.
  // `observer` sees this translation; without one, the model's own observer (set_observer) does.
  virtual Outcome translate(const Transaction& t, WalkObserver* observer = nullptr) = 0;
  // Translates many transactions in one call, in order, with the same results as one translate() per
  // transaction (a recorded fault is written to the event queue at its place in the order).
  virtual void translate_batch(std::span<const Transaction> in, std::span<Outcome> out) {
    for (size_t i = 0; i < in.size() && i < out.size(); ++i) out[i] = translate(in[i]);
  }
  virtual void quiesce() {}
  // An observer for everything the model does outside translate() calls too (commands, events).
  virtual void set_observer(WalkObserver* /*observer*/) {}
  virtual Observability observability() const { return {}; }
};

}  // namespace smmu
