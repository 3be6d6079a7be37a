// The Command queue (§3.5, §4, §7.1): consumption when processing may resume, command checks (CERROR_ILL,
// CERROR_ABT), the invalidation scope of each command (§4.3, §4.4) and CMD_SYNC completion (§4.7.3).
#include "optimized/smmu.h"
#include "optimized/walk.h"

namespace smmu::opt {
namespace {

constexpr uint8_t kIll = static_cast<uint8_t>(CError::CERROR_ILL);
constexpr uint8_t kAbt = static_cast<uint8_t>(CError::CERROR_ABT);

uint64_t get(const std::array<uint64_t, 2>& c, const Field& f) { return f.get(std::span<const uint64_t>(c)); }

}  // namespace

uint8_t OptimizedSmmu::execute_command(const std::array<uint64_t, 2>& c, InvalidationScope& s) {
  using K = InvalidationScope::Kind;
  using R = InvalidationScope::Regime;
  const Features& f = features_;
  const uint8_t op = static_cast<uint8_t>(get(c, cmd::Opcode));
  const OpcodeInfo* info = opcode_info(op);
  if (!info) return kIll;  // §4.1.3, §7.1: a reserved or unknown opcode
  // §4.1.6: SSec = 1 on the Non-secure queue is ILLEGAL, for the commands that have it.
  if ((info->fields & (1u << cmd::bit_SSec)) && get(c, cmd::SSec)) return kIll;
  const uint32_t sid = static_cast<uint32_t>(get(c, cmd::StreamID));
  // §4.4: a VMID applies only when stage 2 is implemented (RES0 otherwise; matching any is permitted).
  auto vmid = [&]() -> std::optional<uint16_t> {
    if (!f.s2p) return std::nullopt;
    return static_cast<uint16_t>(get(c, cmd::VMID));
  };
  // §4.4.1.1: the address (and range) of a TLBI by address. Returns false for the reserved encoding.
  auto address = [&](uint64_t addr) -> bool {
    s.leaf = get(c, cmd::Leaf);
    s.addr = addr;
    const unsigned tg = f.ril ? static_cast<unsigned>(get(c, cmd::TG)) : 0;  // RIL = 0: range fields RES0
    if (tg == 0) {
      s.size = 1;  // TG = 0: the entries whose span contains Address
      return true;
    }
    const unsigned num = static_cast<unsigned>(get(c, cmd::NUM));
    const unsigned scale = static_cast<unsigned>(get(c, cmd::SCALE));
    unsigned ttl = static_cast<unsigned>(get(c, cmd::TTL));
    if (tg == 2 && ttl == 1 && !f.ds) ttl = 0;  // a 16KB TTL = 0b01 is reserved and treated as 0b00
    if (num == 0 && scale == 0 && ttl == 0) return false;
    const unsigned shift = 10 + 2 * tg + scale;
    s.size = shift + 5 >= 64 ? 0 : (uint64_t{num} + 1) << shift;
    s.ttl = static_cast<uint8_t>(ttl);
    return true;
  };
  const uint64_t va = get(c, cmd::VA) << 12;
  switch (static_cast<Opcode>(op)) {
    case Opcode::CMD_PREFETCH_CONFIG:
    case Opcode::CMD_PREFETCH_ADDR: return 0;  // §4.2: a prefetch need not do anything
    case Opcode::CMD_CFGI_STE:
      s.kind = K::Ste;
      s.sid = sid;
      s.sid_count = 1;
      s.leaf = get(c, cmd::Leaf);
      break;
    case Opcode::CMD_CFGI_STE_RANGE: {
      // §4.3.2: the aligned block of 2^(Range + 1) StreamIDs; Range = 31 is CMD_CFGI_ALL (§4.3.6).
      const unsigned range = static_cast<unsigned>(get(c, cmd::Range));
      s.kind = K::SteRange;
      s.sid_count = uint64_t{1} << (range + 1);
      s.sid = static_cast<uint32_t>(sid & ~(s.sid_count - 1));
      break;
    }
    case Opcode::CMD_CFGI_CD:
      if (!f.s1p) return kIll;  // §4.3.3
      s.kind = K::Cd;
      s.sid = sid;
      s.ssid = static_cast<uint32_t>(get(c, cmd::SubstreamID));
      s.leaf = get(c, cmd::Leaf);
      break;
    case Opcode::CMD_CFGI_CD_ALL:
      if (!f.s1p) return kIll;  // §4.3.4
      s.kind = K::CdAll;
      s.sid = sid;
      break;
    case Opcode::CMD_CFGI_VMS_PIDM: return kIll;  // §4.3.5: no MPAM / VMS
    case Opcode::CMD_TLBI_NH_ALL:
    case Opcode::CMD_TLBI_NH_ASID:
    case Opcode::CMD_TLBI_NH_VA:
    case Opcode::CMD_TLBI_NH_VAA:
      if (!f.s1p) return kIll;  // §4.4.2: stage-1 invalidations need stage 1
      s.kind = K::TlbiStage1;
      s.regime = R::NsEl1;
      s.vmid = vmid();
      if (op == static_cast<uint8_t>(Opcode::CMD_TLBI_NH_ASID) || op == static_cast<uint8_t>(Opcode::CMD_TLBI_NH_VA))
        s.asid = static_cast<uint16_t>(get(c, cmd::ASID));
      if (op == static_cast<uint8_t>(Opcode::CMD_TLBI_NH_VA) || op == static_cast<uint8_t>(Opcode::CMD_TLBI_NH_VAA))
        if (!address(va)) return kIll;
      break;
    case Opcode::CMD_TLBI_EL3_ALL:
    case Opcode::CMD_TLBI_EL3_VA: return kIll;  // §4.4.2.5, §4.4.2.6: not on the Non-secure queue
    case Opcode::CMD_TLBI_EL2_ALL:
    case Opcode::CMD_TLBI_EL2_ASID:
    case Opcode::CMD_TLBI_EL2_VA:
    case Opcode::CMD_TLBI_EL2_VAA: {
      if (!f.hyp) return kIll;  // §4.4.2.7-10
      const bool e2h = regf::CR2_E2H.get(regs_.cr2);
      s.kind = K::TlbiStage1;
      if (op == static_cast<uint8_t>(Opcode::CMD_TLBI_EL2_ALL)) {
        s.regime = R::AnyEl2;
      } else if (op == static_cast<uint8_t>(Opcode::CMD_TLBI_EL2_ASID)) {
        s.regime = R::El2E2H;
        s.asid = static_cast<uint16_t>(get(c, cmd::ASID));
      } else {
        // §4.4.2.8, §4.4.2.9: EL2-E2H entries when CR2.E2H = 1, EL2 entries otherwise.
        s.regime = e2h ? R::El2E2H : R::El2;
        if (e2h && op == static_cast<uint8_t>(Opcode::CMD_TLBI_EL2_VA)) s.asid = static_cast<uint16_t>(get(c, cmd::ASID));
        if (!address(va)) return kIll;
      }
      break;
    }
    case Opcode::CMD_TLBI_S12_VMALL:
      if (!f.s2p) return kIll;  // §4.4.3.2
      s.kind = K::TlbiAll;
      s.regime = R::NsEl1;
      s.vmid = static_cast<uint16_t>(get(c, cmd::VMID));
      break;
    case Opcode::CMD_TLBI_S2_IPA:
      if (!f.s2p) return kIll;  // §4.4.3.1
      s.kind = K::TlbiStage2;
      s.regime = R::NsEl1;
      s.vmid = static_cast<uint16_t>(get(c, cmd::VMID));
      if (!address(get(c, cmd::IPA) << 12)) return kIll;
      break;
    case Opcode::CMD_TLBI_NSNH_ALL:
      s.kind = K::TlbiAll;
      s.regime = R::NsEl1;
      break;
    case Opcode::CMD_ATC_INV: return kIll;     // §4.5.1: ATS not implemented
    case Opcode::CMD_PRI_RESP: return kIll;    // §4.5.2: PRI not implemented
    case Opcode::CMD_RESUME:
    case Opcode::CMD_STALL_TERM:
      if (f.stall_model == 1) return kIll;  // §4.7.1, §4.7.2: no stalls
      return 0;
    case Opcode::CMD_SYNC:
      if (get(c, cmd::CS) == 3) return kIll;  // §4.7.3: CS = 0b11 is reserved
      return 0;
  }
  invalidate(s);
  return 0;
}

void OptimizedSmmu::process_commands() {
  if (processing_commands_) return;
  processing_commands_ = true;
  Registers& r = regs_;
  for (;;) {
    // §4.1.2, §7.1: only with CMDQEN = 1, no active CMDQ_ERR, and commands between CONS and PROD.
    if (!regf::CR0_CMDQEN.get(r.cr0ack)) break;
    if (regf::GERROR_CMDQ_ERR.get(r.gerror) != regf::GERROR_CMDQ_ERR.get(r.gerrorn)) break;
    const unsigned log2 = static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(r.cmdq_base));
    const unsigned qs = log2 < features_.cmdqs ? log2 : features_.cmdqs;
    const uint32_t idx_mask = static_cast<uint32_t>(low_mask(qs + 1));
    const uint32_t prod = r.cmdq_prod & idx_mask, cons = r.cmdq_cons & idx_mask;
    if (prod == cons) break;
    // Inconsistent indexes (§3.5.1, CONSTRAINED UNPREDICTABLE) are consumed like any others, up to PROD.
    const uint64_t base = regf::QUEUE_BASE_ADDR.in_place(r.cmdq_base) & ~low_mask(qs + 4 > 5 ? qs + 4 : 5);
    const uint64_t pa = truncate_to_oas(base + uint64_t{cons & static_cast<uint32_t>(low_mask(qs))} * 16);
    CommandReport rep;
    rep.index = cons;
    uint8_t err = 0;
    const std::optional<uint64_t> q0 = memory_.read(pa, 8);
    const std::optional<uint64_t> q1 = q0 ? memory_.read(pa + 8, 8) : std::nullopt;
    if (!q0 || !q1) {
      err = kAbt;
      rep.raw = {q0.value_or(0), 0};
    } else {
      rep.raw = {*q0, *q1};
      rep.opcode = static_cast<uint8_t>(cmd::Opcode.get(*q0));
      err = execute_command(rep.raw, rep.scope);
    }
    if (err) {
      // §7.1: CONS stays on the failing command, ERR is written, then CMDQ_ERR is activated.
      rep.error = err;
      r.cmdq_cons = (r.cmdq_cons & ~static_cast<uint32_t>(regf::CMDQ_CONS_ERR.mask_in_place())) |
                    static_cast<uint32_t>(uint64_t{err} << regf::CMDQ_CONS_ERR.lo);
      if (observer_) observer_->command(rep);
      activate_gerror(regf::GERROR_CMDQ_ERR);
      break;
    }
    r.cmdq_cons = (r.cmdq_cons & static_cast<uint32_t>(regf::CMDQ_CONS_ERR.mask_in_place())) | ((cons + 1) & idx_mask);
    if (observer_) observer_->command(rep);
    // §4.7.3: a CMD_SYNC with CS = SIG_IRQ signals completion by an MSI once CONS has moved past it.
    if (rep.opcode == static_cast<uint8_t>(Opcode::CMD_SYNC) && get(rep.raw, cmd::CS) == 1) {
      const uint64_t addr = get(rep.raw, cmd::MSIAddress) << 2;
      send_msi(addr, static_cast<uint32_t>(get(rep.raw, cmd::MSIData)), regf::GERROR_MSI_CMDQ_ABT_ERR, observer_);
    }
  }
  processing_commands_ = false;
}

}  // namespace smmu::opt
