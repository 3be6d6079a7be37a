// The event queue, global errors and the MSIs the SMMU sends (Arm IHI 0070 §7.2, §7.4, §6.3.19-§6.3.23,
// §6.3.29-§6.3.32, §6.3.95, §6.3.96).
#include "reference/queue.h"
#include "reference/smmu.h"
#include "specs/print.h"

namespace smmu::ref {

bool ReferenceSmmu::gerror_active(const Field& bit) const {
  return bit.get(regs_.gerror) != bit.get(regs_.gerrorn);
}

void ReferenceSmmu::activate_gerror(const Field& bit) {
  if (gerror_active(bit)) return;  // §6.3.19: a new error is raised only when the previous one was acknowledged
  uint64_t g = regs_.gerror;
  bit.set(g, bit.get(g) ^ 1);
  regs_.gerror = static_cast<uint32_t>(g);
  note("6.3.19", "{} activated (GERROR = {:#x}, GERRORN = {:#x})", bit.name, regs_.gerror, regs_.gerrorn);
  // §6.3.16, §6.3.21: the GERROR interrupt, as an MSI when MSIs are implemented and an address is set.
  if (regf::IRQ_CTRL_GERROR_IRQEN.get(regs_.irq_ctrl) && bit.lo != regf::GERROR_MSI_GERROR_ABT_ERR.lo)
    send_msi(regs_.gerror_irq_cfg0, regs_.gerror_irq_cfg1, regf::GERROR_MSI_GERROR_ABT_ERR);
}

void ReferenceSmmu::send_msi(uint64_t cfg0, uint32_t data, const Field& abort_bit) {
  uint64_t pa = regf::IRQ_CFG0_ADDR.in_place(cfg0);
  if (!features_.msi || pa == 0) return;  // an address of zero disables the MSI (§6.3.21, §4.7.3)
  if (features_.oas_bits() < 64) pa &= (uint64_t{1} << features_.oas_bits()) - 1;  // §3.4.3: truncated to the OAS
  const bool ok = memory_.write(pa, 4, data);
  if (observer_) observer_->msi(pa, data, ok);
  note("6.3.21", "MSI write of {:#x} to {:#x}{}", data, pa, ok ? "" : ": external abort");
  if (!ok) activate_gerror(abort_bit);
}

void ReferenceSmmu::record_event(const EventRecord& r) {
  // §7.4: records are written only while the event queue is enabled; otherwise they are discarded.
  if (!regf::CR0_EVENTQEN.get(regs_.cr0)) {
    note("7.4", "EVENTQEN == 0: {} discarded", event_type_name(r.type()));
    if (observer_) observer_->event(r, std::nullopt);
    return;
  }
  // §6.3.19: while EVENTQ_ABT_ERR is active the queue cannot be written; records are discarded without an
  // overflow (EVENTQ_FULL_DURING_ABT).
  if (gerror_active(regf::GERROR_EVENTQ_ABT_ERR)) {
    note("6.3.19", "EVENTQ_ABT_ERR is active: {} discarded", event_type_name(r.type()));
    if (observer_) observer_->event(r, std::nullopt);
    return;
  }
  const Queue q = Queue::from_base_register(regs_.eventq_base, features_.eventqs, 32, features_.oas_bits());
  const uint32_t prod = regs_.eventq_prod & q.mask(), cons = regs_.eventq_cons & q.mask();
  if (q.full(prod, cons)) {
    // §7.4: a full queue loses the record; OVFLG toggles only when no earlier overflow is unacknowledged.
    const uint64_t ovflg = regf::EVENTQ_PROD_OVFLG.get(regs_.eventq_prod);
    const uint64_t ovack = regf::EVENTQ_CONS_OVACKFLG.get(regs_.eventq_cons);
    if (ovflg == ovack) {
      uint64_t p = regs_.eventq_prod;
      regf::EVENTQ_PROD_OVFLG.set(p, ovflg ^ 1);
      regs_.eventq_prod = static_cast<uint32_t>(p);
    }
    note("7.4", "event queue full: {} lost, EVENTQ_PROD.OVFLG = {}", event_type_name(r.type()),
         regf::EVENTQ_PROD_OVFLG.get(regs_.eventq_prod));
    if (observer_) observer_->event(r, std::nullopt);
    return;
  }
  const uint64_t pa = q.slot(prod);
  bool ok = true;
  for (unsigned i = 0; i < event::kQwords && ok; ++i) ok = memory_.write(pa + 8 * i, 8, r.q[i]);
  if (!ok) {
    // §6.3.19 EVENTQ_ABT_ERR: a synchronous abort loses the record and PROD does not move (EVENTQ_WRITE_ABORT).
    note("7.4", "external abort writing {} at {:#x}", event_type_name(r.type()), pa);
    if (observer_) observer_->event(r, std::nullopt);
    activate_gerror(regf::GERROR_EVENTQ_ABT_ERR);
    return;
  }
  // The SMMU writes PROD: bits above the wrap bit read as zero, OVFLG is kept (§6.3.95).
  const bool was_empty = q.empty(prod, cons);
  regs_.eventq_prod = (regs_.eventq_prod & regf::EVENTQ_PROD_OVFLG.mask_in_place()) | q.next(prod);
  if (noting()) note("7.4", "{} written at {:#x}; EVENTQ_PROD = {:#x}", format_event(r), pa, regs_.eventq_prod);
  if (observer_) observer_->event(r, pa);
  // §7.2: the event queue interrupt signals the queue becoming non-empty.
  if (was_empty && regf::IRQ_CTRL_EVENTQ_IRQEN.get(regs_.irq_ctrl))
    send_msi(regs_.eventq_irq_cfg0, regs_.eventq_irq_cfg1, regf::GERROR_MSI_EVENTQ_ABT_ERR);
}

}  // namespace smmu::ref
