#include "reference/translate.h"

#include "reference/attributes.h"
#include "reference/cd.h"
#include "reference/events.h"
#include "specs/print.h"
#include "reference/stage1.h"
#include "reference/stage2.h"
#include "reference/ste.h"
#include "reference/stream_table.h"

namespace smmu::ref {

namespace {

Overrides ste_overrides(const Ste& st) {
  return {.mtcfg = static_cast<unsigned>(st[ste::MTCFG]), .memattr = static_cast<unsigned>(st[ste::MemAttr]),
          .alloccfg = static_cast<unsigned>(st[ste::ALLOCCFG]), .shcfg = static_cast<unsigned>(st[ste::SHCFG]),
          .privcfg = static_cast<unsigned>(st[ste::PRIVCFG]), .instcfg = static_cast<unsigned>(st[ste::INSTCFG])};
}

Overrides gbpa_overrides(uint32_t gbpa) {
  return {.mtcfg = static_cast<unsigned>(regf::GBPA_MTCFG.get(gbpa)),
          .memattr = static_cast<unsigned>(regf::GBPA_MemAttr.get(gbpa)),
          .alloccfg = static_cast<unsigned>(regf::GBPA_ALLOCCFG.get(gbpa)),
          .shcfg = static_cast<unsigned>(regf::GBPA_SHCFG.get(gbpa)),
          .privcfg = static_cast<unsigned>(regf::GBPA_PRIVCFG.get(gbpa)),
          .instcfg = static_cast<unsigned>(regf::GBPA_INSTCFG.get(gbpa))};
}

Outcome success(const Ctx& ctx, uint64_t pa, Permissions perms, const Attrs& attrs) {
  Outcome o;
  o.kind = OutcomeKind::Success;
  o.pa = pa;
  o.perms = perms;
  o.attrs = output_attrs(attrs);
  ctx.note("13.4.4", "output PA {:#x}", pa);
  return o;
}

Outcome terminated(const Ctx& ctx, std::string_view section, std::string_view why) {
  ctx.note(section, "terminate with abort, no event: {}", why);
  return Outcome{.kind = OutcomeKind::Terminated};
}

bool beyond(uint64_t addr, unsigned bits) { return bits < 64 && (addr >> bits) != 0; }

// §3.4: a stage-1 Address Size fault with stage 1 bypassed (CLASS = IN, S2 = 0), recorded and aborted.
Outcome s1_bypass_addr_size(const Ctx& ctx) {
  return walk_fault_outcome(ctx, WalkFault{.type = EventType::F_ADDR_SIZE, .s2 = false, .cls = FaultClass::IN});
}

// §13.2: with SMMUEN = 0, Non-secure transactions follow SMMU_GBPA.
Outcome global_bypass(const Ctx& ctx) {
  const uint32_t gbpa = ctx.regs.gbpa;
  if (regf::GBPA_ABORT.get(gbpa)) return terminated(ctx, "6.3.14", "SMMUEN == 0 and GBPA.ABORT == 1");
  if (beyond(ctx.txn.addr, ctx.f.oas_bits())) return terminated(ctx, "3.4", "SMMU disabled and the address exceeds the OAS");
  ctx.note("13.2", "SMMUEN == 0: global bypass with the GBPA attributes");
  Attrs a = replace_attrs(default_input_attrs(ctx.txn), gbpa_overrides(gbpa), ctx.f, ctx.txn.read);
  return success(ctx, ctx.txn.addr, {true, true, true}, a);
}

Permissions both(Permissions a, Permissions b) { return {a.read && b.read, a.write && b.write, a.exec && b.exec}; }

}  // namespace

Outcome translate_transaction(Ctx& ctx) {
  const Features& f = ctx.f;
  ctx.txn.instr = ctx.txn.read && ctx.txn.instr;  // a write is always Data (§13.1.2)
  if (!regf::CR0_SMMUEN.get(ctx.regs.cr0)) return global_bypass(ctx);

  Result<Ste> fetched = fetch_ste(ctx);
  if (!fetched.ok()) return fetched.outcome();
  const Ste& st = fetched.value();
  if (ctx.noting()) ctx.note("5.2", "STE: {}", format_fields(ste::kFields, st.q));
  if (auto why = ste_illegal(st, f)) {
    ctx.note("5.2.2", "STE is invalid: {}", *why);
    return abort_with(ctx, EventType::C_BAD_STE);
  }
  if (!st.translates()) return terminated(ctx, "5.2", "STE.Config == 0b0xx (abort)");

  // §13.3: the STE's overrides apply to the incoming attributes; INST and PRIV checked from here on are
  // the post-override values (§7.3.13).
  Attrs attrs = replace_attrs(default_input_attrs(ctx.txn), ste_overrides(st), f, ctx.txn.read);
  ctx.txn.instr = attrs.instr;
  ctx.txn.priv = attrs.priv;
  ctx.faults.s2r = st.s2_enabled() && st[ste::S2R];

  if (ctx.txn.ssid && !st.s1_enabled()) {
    ctx.note("7.3.9", "a SubstreamID was supplied but stage 1 is disabled");
    return abort_with(ctx, EventType::C_BAD_SUBSTREAMID);
  }
  if (!st.s1_enabled() && !st.s2_enabled()) {  // Config = 0b100: bypass
    ctx.note("5.2", "STE.Config == 0b100: bypass both stages");
    if (beyond(ctx.txn.addr, f.oas_bits())) return s1_bypass_addr_size(ctx);
    return success(ctx, ctx.txn.addr, {true, true, true}, attrs);
  }

  const StreamWorld world = stream_world(st, f, ctx.regs.cr2);
  const ToPa to_pa = [&](uint64_t addr, bool is_cd) -> Result<uint64_t> {
    if (!st.s2_enabled()) return addr;
    S2Access acc{.read = true, .instr = false, .priv = ctx.txn.priv, .cls = is_cd ? FaultClass::CD : FaultClass::TT,
                 .nested = true};
    Result<S2Result> r = walk_stage2(ctx, st, addr, acc);
    if (!r.ok()) return r.outcome();
    return r.value().pa;
  };

  // Stage 1 (§3.3.2, §5.2 S1CDMax/S1DSS): which CD, if any, serves the transaction.
  uint64_t ipa = ctx.txn.addr;
  Permissions perms{true, true, true};
  bool s1_translates = st.s1_enabled();
  uint32_t cd_index = 0;
  if (s1_translates) {
    const unsigned cdmax = f.ssidsize == 0 ? 0 : static_cast<unsigned>(st[ste::S1CDMax]);
    const unsigned s1dss = static_cast<unsigned>(st[ste::S1DSS]);
    if (ctx.txn.ssid) {
      if (cdmax == 0 || *ctx.txn.ssid >= (uint64_t{1} << cdmax)) {
        ctx.note("7.3.9", "SubstreamID {:#x} is beyond 2^S1CDMax (S1CDMax={}, SSIDSIZE={})", *ctx.txn.ssid, cdmax,
                 f.ssidsize);
        return abort_with(ctx, EventType::C_BAD_SUBSTREAMID);
      }
      if (*ctx.txn.ssid == 0 && s1dss == 0b10) {
        ctx.note("5.2", "S1DSS == 0b10 reserves CD 0 for transactions without a SubstreamID");
        return abort_with(ctx, EventType::F_STREAM_DISABLED);
      }
      cd_index = *ctx.txn.ssid;
    } else if (cdmax != 0) {
      if (s1dss == 0b01) {
        ctx.note("5.2", "no SubstreamID and S1DSS == 0b01: stage 1 bypassed");
        s1_translates = false;
      } else if (s1dss == 0b10) {
        ctx.note("5.2", "no SubstreamID and S1DSS == 0b10: CD 0");
      } else {
        ctx.note("5.2", "no SubstreamID and S1DSS == 0b{:02b}: substream-less traffic is disabled", s1dss);
        return abort_with(ctx, EventType::F_STREAM_DISABLED);
      }
    }
  }
  if (s1_translates) {
    Result<Cd> fetched_cd = fetch_cd(ctx, st, cd_index, to_pa);
    if (!fetched_cd.ok()) return fetched_cd.outcome();
    const Cd& c = fetched_cd.value();
    if (ctx.noting()) ctx.note("5.4", "CD: {}", format_fields(cd::kFields, c.q));
    if (auto why = cd_illegal(c, st, world, f)) {
      ctx.note("5.4.2", "CD is invalid: {}", *why);
      return abort_with(ctx, EventType::C_BAD_CD);
    }
    ctx.faults.have_cd = true;
    ctx.faults.cd_r = c[cd::R];
    ctx.faults.cd_a = c[cd::A];
    Result<S1Result> s1 = walk_stage1(ctx, st, c, cd_index, world, to_pa);
    if (!s1.ok()) return s1.outcome();
    ipa = s1.value().oa;
    perms = s1.value().perms;
    attrs = stage1_attrs(attrs, s1.value().mair, s1.value().sh);
  } else if (beyond(ipa, f.ias_bits())) {
    ctx.note("3.4", "stage 1 bypassed and the address {:#x} exceeds the {}-bit IAS", ipa, f.ias_bits());
    return s1_bypass_addr_size(ctx);
  }

  if (!st.s2_enabled()) {
    // §3.4: with stage 2 bypassed the IPA is the PA, truncated to the OAS.
    const uint64_t pa = f.oas_bits() < 64 ? ipa & ((uint64_t{1} << f.oas_bits()) - 1) : ipa;
    return success(ctx, pa, perms, attrs);
  }
  S2Access acc{.read = ctx.txn.read, .instr = ctx.txn.instr, .priv = ctx.txn.priv, .cls = FaultClass::IN,
               .nested = s1_translates};
  Result<S2Result> s2 = walk_stage2(ctx, st, ipa, acc);
  if (!s2.ok()) return s2.outcome();
  Attrs s2_attrs = from_s2_memattr(s2.value().memattr);
  s2_attrs.sh = s2.value().sh;
  return success(ctx, s2.value().pa, both(perms, s2.value().perms), combine_attrs(attrs, s2_attrs));
}

}  // namespace smmu::ref
