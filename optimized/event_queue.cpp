// The Event queue (§7.2, §7.4), global errors (§6.3.19, §6.3.20, §7.5) and MSIs (§3.18.2).
#include "optimized/smmu.h"
#include "optimized/walk.h"

namespace smmu::opt {
namespace {

constexpr unsigned kEventBytes = 32;  // §7.3

// The capped LOG2SIZE of a queue base register (§6.3.26, §6.3.29).
unsigned queue_log2(uint64_t base, unsigned max) {
  const unsigned l = static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base));
  return l < max ? l : max;
}

}  // namespace

uint64_t OptimizedSmmu::truncate_to_oas(uint64_t pa) const { return pa & low_mask(features_.oas_bits()); }

void OptimizedSmmu::send_msi(uint64_t cfg0, uint32_t data, const Field& abort_bit, WalkObserver* obs) {
  if (!features_.msi) return;
  const uint64_t addr = regf::IRQ_CFG0_ADDR.in_place(cfg0);
  if (addr == 0) return;  // §6.3.21: no MSI when ADDR == 0
  const uint64_t pa = truncate_to_oas(addr);  // §3.4.3
  const bool ok = memory_.write(pa, 4, data);
  if (obs) obs->msi(pa, data, ok);
  if (!ok) activate_gerror(abort_bit);
}

void OptimizedSmmu::activate_gerror(const Field& bit) {
  // §6.3.19: an error is active while GERROR[x] != GERRORN[x]; an active error is not raised again.
  if (bit.get(regs_.gerror) != bit.get(regs_.gerrorn)) return;
  regs_.gerror ^= static_cast<uint32_t>(bit.mask_in_place());
  // §7.5.1: the GERROR interrupt, except for MSI_GERROR_ABT_ERR itself.
  if (&bit == &regf::GERROR_MSI_GERROR_ABT_ERR || bit.lo == regf::GERROR_MSI_GERROR_ABT_ERR.lo) return;
  if (regf::IRQ_CTRL_GERROR_IRQEN.get(regs_.irq_ctrlack))
    send_msi(regs_.gerror_irq_cfg0, regs_.gerror_irq_cfg1, regf::GERROR_MSI_GERROR_ABT_ERR, observer_);
}

void OptimizedSmmu::record_event(const EventRecord& rec, WalkObserver* obs) {
  Registers& r = regs_;
  const uint32_t ovflg = static_cast<uint32_t>(regf::EVENTQ_PROD_OVFLG.mask_in_place());
  auto discard = [&] {
    if (obs) obs->event(rec, std::nullopt);
  };
  // §7.2.1: writable only with EVENTQEN = 1, no active EVENTQ_ABT_ERR, and room in the queue.
  if (!regf::CR0_EVENTQEN.get(r.cr0ack)) return discard();
  if (regf::GERROR_EVENTQ_ABT_ERR.get(r.gerror) != regf::GERROR_EVENTQ_ABT_ERR.get(r.gerrorn)) return discard();
  const unsigned qs = queue_log2(r.eventq_base, features_.eventqs);
  const uint32_t idx_mask = static_cast<uint32_t>(low_mask(qs + 1));  // index and wrap bit
  const uint32_t prod = r.eventq_prod & idx_mask, cons = r.eventq_cons & idx_mask;
  const uint32_t index_mask = static_cast<uint32_t>(low_mask(qs));
  const bool empty = prod == cons;
  const bool full = (prod & index_mask) == (cons & index_mask) && prod != cons;
  if (full) {
    // §7.4: an overflow toggles OVFLG unless one is already pending (OVFLG != OVACKFLG).
    const bool pending = (r.eventq_prod & ovflg) != (r.eventq_cons & ovflg);
    if (!pending) r.eventq_prod ^= ovflg;
    return discard();
  }
  // §6.3.29: the base is aligned to the queue size (at least 32 bytes); the address is truncated to the OAS.
  const uint64_t base = regf::QUEUE_BASE_ADDR.in_place(r.eventq_base) & ~low_mask(qs + 5);
  const uint64_t pa = truncate_to_oas(base + uint64_t{prod & index_mask} * kEventBytes);
  for (unsigned i = 0; i < event::kQwords; ++i) {
    if (!memory_.write(pa + 8 * i, 8, rec.q[i])) {
      // specs/unpredictable.def EVENTQ_WRITE_ABORT = synchronous: PROD stays, the record is lost.
      discard();
      activate_gerror(regf::GERROR_EVENTQ_ABT_ERR);
      return;
    }
  }
  r.eventq_prod = (r.eventq_prod & ovflg) | ((prod + 1) & idx_mask);
  if (obs) obs->event(rec, pa);
  // §3.18.2: the Event queue interrupt on the empty to non-empty transition.
  if (empty && regf::IRQ_CTRL_EVENTQ_IRQEN.get(r.irq_ctrlack))
    send_msi(r.eventq_irq_cfg0, r.eventq_irq_cfg1, regf::GERROR_MSI_EVENTQ_ABT_ERR, obs);
}

}  // namespace smmu::opt
