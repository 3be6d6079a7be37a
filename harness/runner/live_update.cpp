// The runner's live-update part (ARCHITECTURE.md, "Live update: the kexec model"): owner, preserved_stream
// and kexec steps, what the new kernel points the SMMU at after a kexec, where the SMMU's writes land, and
// the DMA footprints exposed to checkers.
#include <fmt/format.h>

#include "harness/runner/live_update.h"
#include "harness/runner/runner.h"
#include "specs/lookup.h"

namespace smmu::harness {

bool has_live_update(const smmucheck::Scenario& s) {
  for (const auto& st : s.step()) {
    if (st.has_kexec() || st.has_owner() || st.has_preserved_stream()) return true;
    if (st.has_driver() && (st.driver().has_preserve() || st.driver().has_adopt())) return true;
  }
  return false;
}

std::optional<std::string> ScenarioRun::apply_live_update(const smmucheck::Step& s) {
  switch (s.op_case()) {
    case smmucheck::Step::kOwner: {
      const auto& o = s.owner();
      constexpr uint64_t page = kexec::Ownership::kPageSize;
      if (o.size() == 0 || o.base() % page || o.size() % page || o.base() + o.size() - 1 < o.base())
        return fmt::format("owner: base {:#x} and size {:#x} must be whole 4 KiB pages, size > 0", o.base(), o.size());
      kexec::Owner kind = kexec::Owner::NotPreserved;
      switch (o.kind()) {
        case smmucheck::PRESERVED: kind = kexec::Owner::Preserved; break;
        case smmucheck::RECLAIMED: kind = kexec::Owner::Reclaimed; break;
        case smmucheck::NOT_PRESERVED: break;
        default: return fmt::format("owner: unknown kind {}", int(o.kind()));
      }
      if (kind == kexec::Owner::Reclaimed) {
        // Only the new kernel reclaims, and only what was handed over to it.
        if (!containment_.after_kexec) return "owner: RECLAIMED needs a kexec first (the new kernel reclaims)";
        if (auto p = containment_.ownership.first_page_not(o.base(), o.size(), kexec::Owner::Preserved);
            p && containment_.ownership.owner(*p) != kexec::Owner::Reclaimed)
          return fmt::format("owner: RECLAIMED page {:#x} was not preserved", *p);
      }
      containment_.ownership.set(o.base(), o.size(), kind);
      return std::nullopt;
    }
    case smmucheck::Step::kPreservedStream:
      containment_.preserved_streams.insert(s.preserved_stream().sid());
      return std::nullopt;
    case smmucheck::Step::kKexec:
      // The SMMU keeps running: no register and no cached state changes, only memory.
      history_.kexec(s.kexec().seed(), containment_.ownership, *memory_, [&](uint64_t pa, uint64_t before, uint64_t after) {
        if (on_mem_write) on_mem_write(pa, before, after);
      });
      containment_.after_kexec = true;
      containment_.repointed.clear();
      if (on_kexec) on_kexec();
      return std::nullopt;
    default:
      return "not a live-update step";
  }
}

namespace {
uint64_t queue_bytes(uint64_t base_reg, unsigned max_log2, unsigned entry) {
  // §6.3.26, §6.3.29: every use of LOG2SIZE is capped at IDR1.CMDQS / EVENTQS.
  const unsigned log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base_reg)), max_log2);
  return uint64_t{entry} << log2;
}
uint64_t queue_base(uint64_t base_reg, uint64_t bytes) {
  return regf::QUEUE_BASE_ADDR.in_place(base_reg) & ~(std::max<uint64_t>(bytes, 32) - 1);
}
}  // namespace

void ScenarioRun::note_repointed_register(uint32_t offset, uint64_t written) {
  // A guarded register write the SMMU ignored (§6.3.29: EVENTQ_BASE while EVENTQEN = 1; §6.3.21, §6.3.30:
  // IRQ_CFG0 while the interrupt is enabled) points nothing anywhere: the register must read back what was
  // written.
  const uint64_t now = model_->mmio_read(offset, 8);
  if (offset == reg::EVENTQ_BASE.offset) {
    if (regf::QUEUE_BASE_ADDR.get(now) != regf::QUEUE_BASE_ADDR.get(written) ||
        regf::QUEUE_BASE_LOG2SIZE.get(now) != regf::QUEUE_BASE_LOG2SIZE.get(written))
      return;
    const unsigned eventqs = static_cast<unsigned>(regf::IDR1_EVENTQS.get(model_->mmio_read(reg::IDR1.offset, 4)));
    const uint64_t bytes = queue_bytes(now, eventqs, 32);
    containment_.repointed.add(queue_base(now, bytes), bytes, "the event queue");
  } else if (offset == reg::EVENTQ_IRQ_CFG0.offset || offset == reg::GERROR_IRQ_CFG0.offset) {
    if (regf::IRQ_CFG0_ADDR.get(now) != regf::IRQ_CFG0_ADDR.get(written)) return;
    containment_.repointed.add(regf::IRQ_CFG0_ADDR.in_place(now), 4,
                               offset == reg::EVENTQ_IRQ_CFG0.offset ? "the event queue MSI" : "the GERROR MSI");
  }
}

void ScenarioRun::note_repointed_sync(const std::array<uint64_t, 2>& c) {
  // §4.7.3: CMD_SYNC with CS = SIG_IRQ (0b01) signals completion with an MSI write to MSIAddress.
  if (cmd::Opcode.get(std::span<const uint64_t>(c)) != static_cast<uint8_t>(Opcode::CMD_SYNC)) return;
  if (cmd::CS.get(std::span<const uint64_t>(c)) != 0b01) return;
  containment_.repointed.add(cmd::MSIAddress.get(std::span<const uint64_t>(c)) << 2, 4, "a CMD_SYNC MSI");
}

void ScenarioRun::refresh_write_sources() {
  sources_.clear();
  const uint64_t evq = model_->mmio_read(reg::EVENTQ_BASE.offset, 8);
  const unsigned eventqs = static_cast<unsigned>(regf::IDR1_EVENTQS.get(model_->mmio_read(reg::IDR1.offset, 4)));
  const uint64_t bytes = queue_bytes(evq, eventqs, 32);
  sources_.push_back({queue_base(evq, bytes), bytes, "an event record"});
  sources_.push_back({regf::IRQ_CFG0_ADDR.in_place(model_->mmio_read(reg::EVENTQ_IRQ_CFG0.offset, 8)), 4,
                      "the event queue interrupt MSI"});
  sources_.push_back({regf::IRQ_CFG0_ADDR.in_place(model_->mmio_read(reg::GERROR_IRQ_CFG0.offset, 8)), 4,
                      "the GERROR interrupt MSI"});
}

std::string ScenarioRun::write_source(uint64_t pa) const {
  for (const Source& s : sources_)
    if (pa - s.base < s.size) return s.what;
  return "an MSI (CMD_SYNC completion)";
}

}  // namespace smmu::harness
