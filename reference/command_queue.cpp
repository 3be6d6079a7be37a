// The command queue (Arm IHI 0070 §3.5, chapter 4, §7.1): commands are consumed between CMDQ_CONS and
// CMDQ_PROD whenever processing may resume; each is decoded and checked, and its invalidation scope is
// reported (the reference caches nothing, so no result changes). An illegal or unreadable command stops
// consumption with CMDQ_CONS.ERR and GERROR.CMDQ_ERR until software acknowledges the error.
#include "reference/queue.h"
#include "reference/smmu.h"

namespace smmu::ref {

namespace {

using Scope = InvalidationScope;
constexpr uint8_t kIll = static_cast<uint8_t>(CError::CERROR_ILL);
constexpr uint8_t kAbt = static_cast<uint8_t>(CError::CERROR_ABT);

constexpr uint8_t op(Opcode o) { return static_cast<uint8_t>(o); }

// §4.4.1.1: the address range of a TLBI by address. TG = 0 names one address; otherwise (NUM + 1) *
// 2^SCALE granules from the address. NUM = SCALE = TTL = 0 with TG != 0 is reserved (CERROR_ILL).
bool decode_range(const std::array<uint64_t, 2>& c, const Features& f, const Field& addr_field, Scope& s) {
  s.addr = addr_field.in_place(std::span<const uint64_t>(c));
  s.leaf = cmd::Leaf.get(std::span<const uint64_t>(c));
  const unsigned tg = f.ril ? static_cast<unsigned>(cmd::TG.get(std::span<const uint64_t>(c))) : 0;
  if (tg == 0) {
    s.size = 1;  // the entries that contain the address
    return true;
  }
  const unsigned num = static_cast<unsigned>(cmd::NUM.get(std::span<const uint64_t>(c)));
  const unsigned scale = static_cast<unsigned>(cmd::SCALE.get(std::span<const uint64_t>(c)));
  unsigned ttl = static_cast<unsigned>(cmd::TTL.get(std::span<const uint64_t>(c)));
  // 16KB with TTL = 0b01 is reserved and treated as 0b00 without DS; the §4.4.1.1 note makes that with
  // NUM = SCALE = 0 the Reserved combination too (CERROR_ILL), so the treatment comes before the check.
  if (tg == 2 && ttl == 1 && !f.ds) ttl = 0;
  if (num == 0 && scale == 0 && ttl == 0) return false;
  const unsigned granule = 10 + 2 * tg;
  s.ttl = static_cast<uint8_t>(ttl);
  const unsigned shift = scale + granule;
  s.size = shift >= 64 ? 0 : (uint64_t{num} + 1) << shift;
  if (shift >= 64 || (s.size >> shift) != uint64_t{num} + 1) s.size = 0;  // beyond the address space: all
  return true;
}

}  // namespace

uint8_t ReferenceSmmu::execute_command(const std::array<uint64_t, 2>& c, CommandReport& report) {
  const std::span<const uint64_t> q(c);
  const uint8_t opcode = static_cast<uint8_t>(cmd::Opcode.get(q));
  const Features& f = features_;
  Scope& s = report.scope;
  const uint32_t sid = static_cast<uint32_t>(cmd::StreamID.get(q));
  // §4.4: with 8-bit ASIDs/VMIDs, non-zero upper bits need not affect any entry; the scope keeps them, so
  // it names no 8-bit entry (CMD_ASID_VMID_UPPER_BITS).
  const uint16_t asid = static_cast<uint16_t>(cmd::ASID.get(q));
  const uint16_t vmid = static_cast<uint16_t>(cmd::VMID.get(q));
  auto illegal = [&](const char* why) {
    note("4.1.3", "{:#04x} ({}) is CERROR_ILL: {}", opcode, opcode_name(opcode) ? opcode_name(opcode) : "reserved", why);
    return kIll;
  };
  const bool ssec = cmd::SSec.get(q);
  switch (opcode) {
    case op(Opcode::CMD_PREFETCH_CONFIG):
    case op(Opcode::CMD_PREFETCH_ADDR):
      if (ssec) return illegal("SSec == 1 on the Non-secure command queue");
      return 0;  // a prefetch is a hint; the reference caches nothing
    case op(Opcode::CMD_CFGI_STE):
      if (ssec) return illegal("SSec == 1 on the Non-secure command queue");
      s.kind = Scope::Kind::Ste;
      s.sid = sid;
      s.sid_count = 1;
      s.leaf = cmd::Leaf.get(q);
      return 0;
    case op(Opcode::CMD_CFGI_STE_RANGE): {
      if (ssec) return illegal("SSec == 1 on the Non-secure command queue");
      // §4.3.2: the aligned block of 2^(Range+1) StreamIDs; Range = 31 is CMD_CFGI_ALL.
      const unsigned range = static_cast<unsigned>(cmd::Range.get(q));
      s.kind = Scope::Kind::SteRange;
      s.sid_count = uint64_t{2} << range;
      s.sid = static_cast<uint32_t>(sid & ~(s.sid_count - 1));
      return 0;
    }
    case op(Opcode::CMD_CFGI_CD):
      if (ssec) return illegal("SSec == 1 on the Non-secure command queue");
      if (!f.s1p) return illegal("stage 1 is not implemented");  // §4.3.3
      s.kind = Scope::Kind::Cd;
      s.sid = sid;
      s.ssid = static_cast<uint32_t>(cmd::SubstreamID.get(q));
      s.leaf = cmd::Leaf.get(q);
      return 0;
    case op(Opcode::CMD_CFGI_CD_ALL):
      if (ssec) return illegal("SSec == 1 on the Non-secure command queue");
      if (!f.s1p) return illegal("stage 1 is not implemented");  // §4.3.4
      s.kind = Scope::Kind::CdAll;
      s.sid = sid;
      return 0;
    case op(Opcode::CMD_TLBI_NH_ALL):
    case op(Opcode::CMD_TLBI_NH_ASID):
    case op(Opcode::CMD_TLBI_NH_VA):
    case op(Opcode::CMD_TLBI_NH_VAA):
      if (!f.s1p) return illegal("stage 1 is not implemented");
      s.kind = Scope::Kind::TlbiStage1;
      s.regime = Scope::Regime::NsEl1;
      if (f.s2p) s.vmid = vmid;  // VMIDs tag entries only when stage 2 is implemented (§3.17)
      if (opcode == op(Opcode::CMD_TLBI_NH_ASID) || opcode == op(Opcode::CMD_TLBI_NH_VA)) s.asid = asid;
      if ((opcode == op(Opcode::CMD_TLBI_NH_VA) || opcode == op(Opcode::CMD_TLBI_NH_VAA)) &&
          !decode_range(c, f, cmd::VA, s))
        return illegal("a range TLBI with NUM = SCALE = TTL = 0");
      return 0;
    case op(Opcode::CMD_TLBI_EL2_ALL):
    case op(Opcode::CMD_TLBI_EL2_ASID):
    case op(Opcode::CMD_TLBI_EL2_VA):
    case op(Opcode::CMD_TLBI_EL2_VAA):
      // §6.3.1: IDR0.Hyp is RES0 when S1P == 0 or S2P == 0, whatever the features asked for.
      if (!f.hyp || !f.s1p || !f.s2p)
        return illegal("the EL2 StreamWorlds are not implemented (IDR0.HYP == 0)");
      s.kind = Scope::Kind::TlbiStage1;
      // §4.4.2.7-§4.4.2.10: EL2_ALL covers NS-EL2 and NS-EL2-E2H; EL2_ASID the E2H regime's non-global
      // entries; EL2_VA and EL2_VAA the regime CR2.E2H selects, with the ASID only under E2H.
      if (opcode == op(Opcode::CMD_TLBI_EL2_ALL)) {
        s.regime = Scope::Regime::AnyEl2;
      } else if (opcode == op(Opcode::CMD_TLBI_EL2_ASID)) {
        s.regime = Scope::Regime::El2E2H;
        s.asid = asid;
      } else {
        const bool e2h = regf::CR2_E2H.get(regs_.cr2);
        s.regime = e2h ? Scope::Regime::El2E2H : Scope::Regime::El2;
        if (e2h && opcode == op(Opcode::CMD_TLBI_EL2_VA)) s.asid = asid;
      }
      if ((opcode == op(Opcode::CMD_TLBI_EL2_VA) || opcode == op(Opcode::CMD_TLBI_EL2_VAA)) &&
          !decode_range(c, f, cmd::VA, s))
        return illegal("a range TLBI with NUM = SCALE = TTL = 0");
      return 0;
    case op(Opcode::CMD_TLBI_S12_VMALL):
      if (!f.s2p) return illegal("stage 2 is not implemented");
      s.kind = Scope::Kind::TlbiAll;
      s.regime = Scope::Regime::NsEl1;
      s.vmid = vmid;
      return 0;
    case op(Opcode::CMD_TLBI_S2_IPA):
      if (!f.s2p) return illegal("stage 2 is not implemented");
      s.kind = Scope::Kind::TlbiStage2;
      s.regime = Scope::Regime::NsEl1;  // stage-2 entries belong to NS-EL1 (§4.4.3.1)
      s.vmid = vmid;
      if (!decode_range(c, f, cmd::IPA, s)) return illegal("a range TLBI with NUM = SCALE = TTL = 0");
      return 0;
    case op(Opcode::CMD_TLBI_NSNH_ALL):  // §4.4.4.1: every Non-secure non-EL2 entry, all VMIDs and stages
      s.kind = Scope::Kind::TlbiAll;
      s.regime = Scope::Regime::NsEl1;
      return 0;
    case op(Opcode::CMD_ATC_INV):
      if (!f.ats) return illegal("ATS is not implemented");
      return 0;
    case op(Opcode::CMD_PRI_RESP):
      if (!f.pri) return illegal("PRI is not implemented");
      return 0;
    case op(Opcode::CMD_RESUME):
    case op(Opcode::CMD_STALL_TERM):
      if (f.stall_model == 0b01) return illegal("stalls are not supported (IDR0.STALL_MODEL == 0b01)");
      return 0;
    case op(Opcode::CMD_SYNC): {
      const unsigned cs = static_cast<unsigned>(cmd::CS.get(q));
      if (cs == 0b11) return illegal("CMD_SYNC.CS == 0b11 is reserved");
      note("4.7.3", "CMD_SYNC complete (CS = {})", cs);
      return 0;  // the SIG_IRQ MSI follows the CONS update (process_commands)
    }
    default:
      // Reserved opcodes, the Secure-queue-only and EL3 commands, CFGI_VMS_PIDM without VMS, DPTI,
      // IMPLEMENTATION DEFINED opcodes this model does not define (§4.1.3).
      return illegal(opcode_name(opcode) ? "not available on this SMMU's Non-secure command queue" : "reserved opcode");
  }
}

void ReferenceSmmu::process_commands() {
  if (processing_commands_) return;  // an MSI or GERROR write during processing cannot re-enter
  processing_commands_ = true;
  while (regf::CR0_CMDQEN.get(regs_.cr0) && !gerror_active(regf::GERROR_CMDQ_ERR)) {
    const Queue q = Queue::from_base_register(regs_.cmdq_base, features_.cmdqs, 16, features_.oas_bits());
    const uint32_t prod = regs_.cmdq_prod & q.mask(), cons = regs_.cmdq_cons & q.mask();
    if (q.empty(prod, cons)) break;
    CommandReport report;
    report.index = cons;
    const uint64_t pa = q.slot(cons);
    const std::optional<uint64_t> q0 = memory_.read(pa, 8), q1 = memory_.read(pa + 8, 8);
    uint8_t err = 0;
    if (!q0 || !q1) {
      note("7.1", "external abort fetching the command at {:#x}", pa);
      err = kAbt;
    } else {
      report.raw = {*q0, *q1};
      report.opcode = static_cast<uint8_t>(cmd::Opcode.get(*q0));
      err = execute_command(report.raw, report);
    }
    report.error = err;
    if (observer_) observer_->command(report);
    if (err) {
      // §7.1: CONS stays on the failing command, CONS.ERR says why, then CMDQ_ERR is activated.
      uint64_t c = regs_.cmdq_cons;
      regf::CMDQ_CONS_ERR.set(c, err);
      regs_.cmdq_cons = static_cast<uint32_t>(c);
      note("7.1", "command queue stopped at index {:#x}: {}", cons, cerror_name(err));
      activate_gerror(regf::GERROR_CMDQ_ERR);
      break;
    }
    // The SMMU writes CONS: bits above the wrap bit read as zero; ERR keeps the last error (§6.3.28).
    regs_.cmdq_cons = (regs_.cmdq_cons & regf::CMDQ_CONS_ERR.mask_in_place()) | q.next(cons);
    // §4.7.3: SIG_IRQ with MSIs signals completion by a 32-bit write of MSIData to MSIAddress. Observing the
    // interrupt implies the consumption of the CMD_SYNC is observable, so the MSI follows the CONS update.
    if (report.opcode == op(Opcode::CMD_SYNC) && cmd::CS.get(report.raw[0]) == 0b01) {
      uint64_t cfg0 = 0;
      regf::IRQ_CFG0_ADDR.set(cfg0, cmd::MSIAddress.get(std::span<const uint64_t>(report.raw)));
      send_msi(cfg0, static_cast<uint32_t>(cmd::MSIData.get(std::span<const uint64_t>(report.raw))),
               regf::GERROR_MSI_CMDQ_ABT_ERR);
    }
  }
  processing_commands_ = false;
}

}  // namespace smmu::ref
