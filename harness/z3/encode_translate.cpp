// The translation flow (SMMU §3.3.2, §3.4, §7.3): STE, substream checks, CD fetch (single, linear, 2-level;
// through stage 2 when nested), stage 1, stage 1 bypass, stage 2; plus evaluation and the solver.
#include <stdexcept>

#include "harness/z3/encode_internal.h"

namespace smmu::z3enc {

using namespace detail;

SymTransaction SymTransaction::concrete(z3::context& c, const Transaction& t) {
  return SymTransaction{c.bv_val(t.sid, 32), c.bool_val(t.ssid.has_value()), c.bv_val(t.ssid.value_or(0) & 0xFFFFF, 20),
                        c.bv_val(t.addr, 64), c.bool_val(t.read), c.bool_val(t.instr), c.bool_val(t.priv)};
}

SymTransaction SymTransaction::symbolic(z3::context& c, const std::string& p) {
  return SymTransaction{c.bv_const((p + ".sid").c_str(), 32),    c.bool_const((p + ".ssv").c_str()),
                        c.bv_const((p + ".ssid").c_str(), 20),   c.bv_const((p + ".addr").c_str(), 64),
                        c.bool_const((p + ".read").c_str()),     c.bool_const((p + ".instr").c_str()),
                        c.bool_const((p + ".priv").c_str())};
}

namespace {

Words read_words(Enc& e, const z3::expr& addr48, const z3::expr& guard, TableRole role) {
  Words w;
  z3::expr hi = simp(bits(addr48, 47, 6));
  for (unsigned i = 0; i < 8; ++i) w.q.push_back(e.read(cat(hi, e.bv(i, 3)), guard, role));
  return w;
}

// A structure at `addr48` (an IPA when nested: translated by stage 2 with CLASS CD): its PA.
z3::expr structure_pa(Enc& e, const z3::expr& addr48, const z3::expr& guard, const z3::expr& nested, const S2Cfg& s2) {
  auto n = as_const(nested);
  if (n && !*n) return addr48;
  z3::expr g = simp(f_and(guard, nested));
  S2Result r = s2_translate(e, s2, addr48, g, S2Class::Cd, e.ff(), e.ff(), e.ff());
  return n ? r.pa : z3::ite(nested, r.pa, addr48);
}

}  // namespace

SymOutcome encode_translation(z3::context& c, const SmmuConfig& cfg, SymbolicMemory& mem, const SymTransaction& t,
                              const EncodeOptions& opt) {
  const Features& f = cfg.features;
  if (f.oas_bits() > 48) throw std::invalid_argument("z3 encoding: OAS above 48 bits is not supported");
  if (f.ttf_aarch32) throw std::invalid_argument("z3 encoding: VMSAv8-32 LPAE tables are not supported");
  if (f.ats) throw std::invalid_argument("z3 encoding: ATS is not supported");
  if (f.vax != 0 || f.ds) throw std::invalid_argument("z3 encoding: 52-bit VAs / DS are not supported");
  if (f.xnx || f.e0pd) throw std::invalid_argument("z3 encoding: FEAT_XNX / E0PD are not supported");
  if (f.version == ArchVersion::V3_0) throw std::invalid_argument("z3 encoding: SMMUv3.0 is not supported");
  Enc e{c, cfg, f, mem, opt.s2_memory ? *opt.s2_memory : mem, FaultChain(c), f.oas_bits(), f.ias_bits()};

  // Stream table and STE (§3.3.1, §5.2).
  z3::expr ste_pa = ste_address(e, t.sid);
  if (e.fc.finished()) return SymOutcome{e.fc.code, e.bv(0, 48), e.fc.stage2, e.fc.razwi};
  Words ste = read_words(e, ste_pa, e.t(), TableRole::Ste);
  e.fc.add(ste_illegal(e, ste), EventType::C_BAD_STE);
  z3::expr config = ste.get(ste::Config);
  e.fc.add(eq(config.extract(2, 2), 0), kTerminated);  // 0b0xx: abort, no event
  z3::expr s1 = eq(config.extract(0, 0), 1), s2 = eq(config.extract(1, 1), 1);
  if (e.fc.finished()) return SymOutcome{e.fc.code, e.bv(0, 48), e.fc.stage2, e.fc.razwi};

  // Substreams (§3.3.2, §5.2 S1CDMax/S1DSS, §7.3.7, §7.3.9).
  z3::expr ssv = t.ssv;
  if (f.ssidsize == 0) e.fc.add(ssv, EventType::C_BAD_SUBSTREAMID);
  e.fc.add(ssv && !s1, EventType::C_BAD_SUBSTREAMID);
  z3::expr cdmax = ste.get(ste::S1CDMax);
  z3::expr subs = f.ssidsize == 0 ? e.ff() : (s1 && !eq(cdmax, 0));
  e.fc.add(ssv && !subs, EventType::C_BAD_SUBSTREAMID);
  z3::expr ssid32 = z3::zext(t.ssid, 12);
  e.fc.add(ssv && subs && !z3::ult(ssid32, z3::shl(e.bv(1, 32), z3::zext(cdmax, 27))), EventType::C_BAD_SUBSTREAMID);
  z3::expr dss = ste.get(ste::S1DSS);
  e.fc.add(subs && !ssv && (eq(dss, 0) || eq(dss, 3)), EventType::F_STREAM_DISABLED);
  e.fc.add(subs && ssv && eq(dss, 2) && eq(t.ssid, 0), EventType::F_STREAM_DISABLED);
  z3::expr s1_bypass = !s1 || (subs && !ssv && eq(dss, 1));
  z3::expr ssid = z3::ite(ssv, t.ssid, e.bv(0, 20));

  // Stage 2 configuration (§5.2).
  S2Cfg s2c{ste.get(ste::S2TG), ste.get(ste::S2T0SZ), ste.get(ste::S2SL0), ste.get(ste::S2PS),
            z3::concat(ste.get(ste::S2TTB).extract(43, 0), e.bv(0, 4)), ste.bit(ste::S2AFFD), ste.bit(ste::S2PTW)};

  // Transaction attributes after the STE overrides (§13.5): INSTCFG 0b10 data, 0b11 instruction (reads only);
  // PRIVCFG 0b10 unprivileged, 0b11 privileged; other values use the incoming attribute.
  z3::expr write = !t.read;
  z3::expr instr = t.instr, priv = t.priv;
  if (f.attr_perms_ovr) {
    z3::expr ic = ste.get(ste::INSTCFG), pc = ste.get(ste::PRIVCFG);
    instr = z3::ite(eq(ic, 3), e.t(), z3::ite(eq(ic, 2), e.ff(), instr));
    priv = z3::ite(eq(pc, 3), e.t(), z3::ite(eq(pc, 2), e.ff(), priv));
  }
  instr = instr && t.read;

  // CD fetch (§3.3.2, §5.3, §5.4; CU L1CD_L2PTR_OOR_*: C_BAD_SUBSTREAMID).
  z3::expr s1t = simp(f_and(s1, f_not(s1_bypass)));
  z3::expr ipa = z3::ite(s1t, e.bv(0, 48), t.addr.extract(47, 0));
  if (!s1t.is_false() && !e.fc.finished()) {
    z3::expr ctx = z3::concat(ste.get(ste::S1ContextPtr).extract(41, 0), e.bv(0, 6));  // bits [47:6]
    z3::expr fmt = ste.get(ste::S1Fmt);
    z3::expr ssid48 = z3::zext(ssid, 28);
    z3::expr cdmax48 = z3::zext(cdmax, 43);
    // Tables are aligned to their size (S1ContextPtr bits RES0 by S1CDMax are treated as zero, the first
    // CONSTRAINED UNPREDICTABLE behaviour of §5.2 S1Fmt); an index is then ORed in.
    auto aligned = [&](const z3::expr& base, const z3::expr& log2size) {
      return base & z3::shl(e.bv(~uint64_t{0} >> 16, 48), log2size);
    };
    // A single CD, or a linear table (S1Fmt 0b00, and 0b11 which behaves as 0b00).
    z3::expr cd_addr = z3::ite(subs, aligned(ctx, cdmax48 + e.bv(6, 48)) | z3::shl(ssid48, 6), ctx);
    z3::expr two = simp(f_and(subs, f_or(eq(fmt, 1), eq(fmt, 2))));
    if (!two.is_false()) {
      z3::expr g = s1t && two;
      // 64KB leaf tables (S1Fmt 0b10): SubstreamID[9:0], L2Ptr[15:12] RES0 (taken as zero: the tables are
      // 64KB-aligned); 4KB leaves (0b01): SubstreamID[5:0]. L1 tables are aligned to max(64, their size).
      z3::expr fmt2 = eq(fmt, 2);
      z3::expr leaf_bits = z3::ite(fmt2, e.bv(10, 48), e.bv(6, 48));
      z3::expr l1_log2 = z3::ite(z3::ugt(cdmax48, leaf_bits + e.bv(3, 48)), cdmax48 - leaf_bits + e.bv(3, 48), e.bv(6, 48));
      z3::expr l1_addr = aligned(ctx, l1_log2) | z3::shl(z3::lshr(ssid48, leaf_bits), 3);
      z3::expr l1_pa = structure_pa(e, l1_addr, g, s2, s2c);
      z3::expr l1 = e.read(simp(l1_pa.extract(47, 3)), g, TableRole::L1Cd);
      z3::expr l2 = z3::shl(z3::zext(fld(l1, l1cd::L2Ptr), 12), 12);  // address bits [55:0]
      z3::expr l2_fits = z3::ite(s2, fits(l2, e.ias), fits(l2, e.oas));
      e.fc.add(g && (!is1(l1, l1cd::V) || !l2_fits), EventType::C_BAD_SUBSTREAMID);
      z3::expr low = ssid48 & (z3::shl(e.bv(1, 48), leaf_bits) - e.bv(1, 48));
      cd_addr = z3::ite(two, aligned(l2.extract(47, 0), leaf_bits + e.bv(6, 48)) | z3::shl(low, 6), cd_addr);
    }
    z3::expr cd_pa = structure_pa(e, simp(cd_addr), s1t, s2, s2c);
    Words cd = read_words(e, cd_pa, s1t, TableRole::Cd);
    if (e.fc.finished()) return SymOutcome{e.fc.code, e.bv(0, 48), e.fc.stage2, e.fc.razwi};
    // StreamWorld (§5.2 STRW): NS-EL2 when STRW = 0b10 with E2H = 0 and stage 1 only.
    z3::expr el2 = e.ff();
    if (f.s1p && f.hyp && !cfg.e2h) el2 = eq(config, 0b101) && eq(ste.get(ste::STRW), 2);
    e.fc.add(s1t && cd_illegal(e, ste, cd, el2), EventType::C_BAD_CD);
    S1Ctx ctx1{cd, el2, s2, s2c};
    ipa = z3::ite(s1t, s1_translate(e, ctx1, t.addr, s1t, write, instr, priv), ipa);
  }
  // Stage 1 bypass: the input address must fit the IAS (the OAS when stage 2 bypasses too) (§3.4).
  e.fc.add(!s1t && !fits(t.addr, std::min(e.ias, e.oas)), EventType::F_ADDR_SIZE);  // IAS == OAS without AArch32
  // Stage 2 (§3.4); bypassed: the IPA is the PA (truncated to the OAS).
  z3::expr pa = ipa;
  if (!simp(s2).is_false() && !e.fc.finished()) {
    S2Result r = s2_translate(e, s2c, ipa, s2, S2Class::In, write, instr, priv);
    pa = z3::ite(s2, r.pa, ipa);
  }
  if (e.oas < 48) pa = z3::concat(e.bv(0, 48 - e.oas), pa.extract(e.oas - 1, 0));
  return SymOutcome{e.fc.code, pa, e.fc.stage2, e.fc.razwi};
}

std::optional<ConcreteOutcome> evaluate(const SymOutcome& o, const z3::model* m) {
  auto ev = [&](const z3::expr& x) { return m ? m->eval(x, true) : simp(x); };
  ConcreteOutcome r;
  uint64_t v = 0;
  z3::expr code = ev(o.code);
  if (!code.is_numeral_u64(v)) return std::nullopt;
  r.code = static_cast<uint8_t>(v);
  z3::expr pa = ev(o.pa);
  if (!pa.is_numeral_u64(v)) return std::nullopt;
  r.pa = v;
  z3::expr s2 = ev(o.stage2), rw = ev(o.razwi);
  if (!(s2.is_true() || s2.is_false()) || !(rw.is_true() || rw.is_false())) return std::nullopt;
  r.stage2 = s2.is_true();
  r.razwi = rw.is_true();
  return r;
}

z3::solver make_bitblast_solver(z3::context& c) {
  z3::tactic t = z3::tactic(c, "simplify") & z3::tactic(c, "propagate-values") & z3::tactic(c, "solve-eqs") &
                 z3::tactic(c, "elim-uncnstr") & z3::tactic(c, "ackermannize_bv") & z3::tactic(c, "simplify") &
                 z3::tactic(c, "bit-blast") & z3::tactic(c, "sat");
  return t.mk_solver();
}

}  // namespace smmu::z3enc
