#include "fuzzers/command_queue_model.h"

#include <span>

#include "harness/runner/runner.h"
#include "specs/layout.h"

namespace smmu::fuzz {

namespace {

bool range_reserved(const std::array<uint64_t, 2>& c, const Features& f) {
  // §4.4.1.1: a range TLBI (TG != 0) with NUM = SCALE = TTL = 0 is reserved; 16KB with TTL = 1 counts as
  // TTL = 0 without DS.
  const std::span<const uint64_t> q(c);
  const unsigned tg = f.ril ? static_cast<unsigned>(cmd::TG.get(q)) : 0;
  if (tg == 0) return false;
  unsigned ttl = static_cast<unsigned>(cmd::TTL.get(q));
  if (tg == 2 && ttl == 1 && !f.ds) ttl = 0;
  return cmd::NUM.get(q) == 0 && cmd::SCALE.get(q) == 0 && ttl == 0;
}

}  // namespace

bool command_illegal(const std::array<uint64_t, 2>& c, const Features& f) {
  const std::span<const uint64_t> q(c);
  const bool ssec = cmd::SSec.get(q);
  const bool hyp = f.hyp && f.s1p && f.s2p;  // §6.3.1: HYP is RES0 without both stages
  switch (static_cast<Opcode>(cmd::Opcode.get(q))) {
    case Opcode::CMD_PREFETCH_CONFIG:
    case Opcode::CMD_PREFETCH_ADDR:
    case Opcode::CMD_CFGI_STE:
    case Opcode::CMD_CFGI_STE_RANGE: return ssec;
    case Opcode::CMD_CFGI_CD:
    case Opcode::CMD_CFGI_CD_ALL: return ssec || !f.s1p;
    case Opcode::CMD_TLBI_NH_ALL:
    case Opcode::CMD_TLBI_NH_ASID: return !f.s1p;
    case Opcode::CMD_TLBI_NH_VA:
    case Opcode::CMD_TLBI_NH_VAA: return !f.s1p || range_reserved(c, f);
    case Opcode::CMD_TLBI_EL2_ALL:
    case Opcode::CMD_TLBI_EL2_ASID: return !hyp;
    case Opcode::CMD_TLBI_EL2_VA:
    case Opcode::CMD_TLBI_EL2_VAA: return !hyp || range_reserved(c, f);
    case Opcode::CMD_TLBI_S12_VMALL: return !f.s2p;
    case Opcode::CMD_TLBI_S2_IPA: return !f.s2p || range_reserved(c, f);
    case Opcode::CMD_TLBI_NSNH_ALL: return false;
    case Opcode::CMD_ATC_INV: return !f.ats;
    case Opcode::CMD_PRI_RESP: return !f.pri;
    case Opcode::CMD_RESUME:
    case Opcode::CMD_STALL_TERM: return f.stall_model == 1;
    case Opcode::CMD_SYNC: return cmd::CS.get(q) == 3;
    default: return true;  // reserved, Secure-only and EL3 opcodes
  }
}

bool CommandQueueModel::publish(const smmucheck::Commands& c, harness::TableMemory& mem, const Features& f) {
  if (static_cast<uint32_t>(c.cmd_size()) > room()) return false;
  for (const auto& cmd : c.cmd()) {
    if (base) {
      const auto q = harness::encode_command(cmd);
      mem.poke64(slot(prod), q[0]);
      mem.poke64(slot(prod) + 8, q[1]);
    }
    prod = (prod + 1) & mask();
  }
  process(mem, f);
  return true;
}

void CommandQueueModel::process(const harness::TableMemory& mem, const Features& f) {
  // The indices as the SMMU sees them under the current LOG2SIZE: a CMDQ_BASE written after PROD and CONS
  // (a smaller queue) leaves bits above the wrap bit that the SMMU ignores (§3.5.1).
  prod &= mask();
  cons &= mask();
  while (enabled && !stalled() && cons != prod) {
    if (command_illegal({mem.peek64(slot(cons)), mem.peek64(slot(cons) + 8)}, f)) {
      gerror ^= 1;  // CMDQ_ERR toggles; CONS stays at the command (§7.1)
      return;
    }
    cons = (cons + 1) & mask();
  }
}

void CommandQueueModel::register_write(uint32_t offset, uint64_t value, const harness::TableMemory& mem,
                                       const Features& f) {
  switch (offset) {
    case reg::CMDQ_BASE.offset:  // ignored while the queue is enabled (§6.3.26)
      if (!enabled) {
        base = regf::QUEUE_BASE_ADDR.in_place(value);
        log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(value)), f.cmdqs);
      }
      return;
    case reg::CMDQ_PROD.offset:
      prod = static_cast<uint32_t>(value) & mask();
      return process(mem, f);
    case reg::CMDQ_CONS.offset:
      if (!enabled) cons = static_cast<uint32_t>(value) & mask();
      return;
    case reg::CR0.offset:
      enabled = regf::CR0_CMDQEN.get(value);
      return process(mem, f);
    case reg::GERRORN.offset:
      gerrorn = static_cast<uint32_t>(value);
      return process(mem, f);  // acknowledged: processing restarts at CONS (§7.1)
    default: return;
  }
}

}  // namespace smmu::fuzz
