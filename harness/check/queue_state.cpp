// The command queue and global error checker: CMDQ_CONS (index, wrap, ERR) and the active GERROR bits.
#include "harness/check/check.h"
#include "harness/check/compare.h"
#include "specs/lookup.h"

namespace smmu::harness {

Mismatches check_queue(const smmucheck::QueueExpect& e, const StepObservation& obs) {
  Mismatches m;
  const uint32_t index = obs.cmdq_cons & ~regf::CMDQ_CONS_ERR.mask_in_place();
  if (e.has_cmdq_cons() && index != e.cmdq_cons()) m.push_back({"CMDQ_CONS.RD", hex(e.cmdq_cons()), hex(index)});
  if (e.has_cmdq_error()) {
    const uint8_t err = static_cast<uint8_t>(regf::CMDQ_CONS_ERR.get(obs.cmdq_cons));
    if (err != cerror_by_name(e.cmdq_error()).value_or(0xff)) m.push_back({"CMDQ_CONS.ERR", e.cmdq_error(), cerror_name(err)});
  }
  const uint32_t active = obs.gerror ^ obs.gerrorn;
  for (const auto& g : e.gerror_active()) {
    const Field* f = register_field(g, "GERROR");
    if (f && !f->get(active)) m.push_back({"GERROR." + g, "active", "inactive"});
  }
  if (e.no_gerror() && active != 0) m.push_back({"GERROR", "no active error", hex(active) + " active"});
  return m;
}

// CMDQ_CONS: the read index with its wrap bit, and ERR (§6.3.28: "UNKNOWN when the CMDQ_ERR global error is
// not active").
Differences compare_cmdq(uint32_t a, uint32_t b, bool err_active) {
  Differences d;
  const uint32_t ea = static_cast<uint32_t>(regf::CMDQ_CONS_ERR.get(a)), eb = static_cast<uint32_t>(regf::CMDQ_CONS_ERR.get(b));
  if (err_active && ea != eb) d.push_back({"cons_err", cerror_name(uint8_t(ea)), cerror_name(uint8_t(eb)), hex(ea), hex(eb)});
  const uint32_t ia = a & ~regf::CMDQ_CONS_ERR.mask_in_place(), ib = b & ~regf::CMDQ_CONS_ERR.mask_in_place();
  if (ia != ib) d.push_back({"cons_index", "index", "index", hex(ia), hex(ib)});
  return d;
}

Mismatches check_step(const smmucheck::Step& s, const StepObservation& obs) {
  Mismatches m;
  auto add = [&](Mismatches&& more) { for (auto& x : more) m.push_back(std::move(x)); };
  if (s.has_dma() && s.dma().has_expect() && obs.dma) add(check_dma(s.dma().expect(), *obs.dma));
  if (s.has_mmio_read() && obs.mmio_value) add(check_mmio_read(s.mmio_read(), *obs.mmio_value));
  if (s.has_mem_read()) add(check_mem_read(s.mem_read(), obs.mem_value));
  if (s.has_expect_events()) add(check_events(s.expect_events(), obs.events));
  if (s.has_expect_queue()) add(check_queue(s.expect_queue(), obs));
  add(check_violations(s, obs));
  return m;
}

}  // namespace smmu::harness
