// Internal pieces of the symbolic encoding shared by encode_*.cpp: the translation context, the first-fault
// chain, and bit-vector helpers over the field tables of specs/layout.h.
#pragma once

#include <z3++.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "harness/z3/encode.h"
#include "specs/layout.h"

namespace smmu::z3enc::detail {

// Constant folding at construction time: with concrete inputs most terms are numerals, and Z3's simplify()
// costs tens of microseconds a call, so the helpers below fold numerals and Boolean constants themselves.
inline bool is_lit(const z3::expr& e) { return e.is_numeral() || e.is_true() || e.is_false(); }
// The value of a ground term (all leaves numerals) as a numeral, evaluated without Z3 (fold.cpp).
std::optional<z3::expr> fold_ground(const z3::expr& e);
inline z3::expr simp(const z3::expr& e) {
  if (is_lit(e)) return e;
  if (auto v = fold_ground(e)) return *v;
  return e.simplify();
}
inline z3::expr f_not(const z3::expr& a) {
  if (a.is_true()) return a.ctx().bool_val(false);
  if (a.is_false()) return a.ctx().bool_val(true);
  return !a;
}
inline z3::expr f_and(const z3::expr& a, const z3::expr& b) {
  if (a.is_false() || b.is_true()) return a;
  if (b.is_false() || a.is_true()) return b;
  return a && b;
}
inline z3::expr f_or(const z3::expr& a, const z3::expr& b) {
  if (a.is_true() || b.is_false()) return a;
  if (b.is_true() || a.is_false()) return b;
  return a || b;
}
inline z3::expr f_ite(const z3::expr& c, const z3::expr& a, const z3::expr& b) {
  if (c.is_true()) return a;
  if (c.is_false()) return b;
  return z3::ite(c, a, b);
}
// Bits [hi:lo] of a bit-vector.
inline z3::expr bits(const z3::expr& e, unsigned hi, unsigned lo) {
  uint64_t v = 0;
  if (e.is_numeral_u64(v)) {
    unsigned w = hi - lo + 1;
    return e.ctx().bv_val(w >= 64 ? v >> lo : (v >> lo) & ((uint64_t{1} << w) - 1), w);
  }
  return e.extract(hi, lo);
}
// Concatenation (a above b).
inline z3::expr cat(const z3::expr& a, const z3::expr& b) {
  uint64_t x = 0, y = 0;
  unsigned wb = b.get_sort().bv_size(), wa = a.get_sort().bv_size();
  if (wa + wb <= 64 && a.is_numeral_u64(x) && b.is_numeral_u64(y)) return a.ctx().bv_val((x << wb) | y, wa + wb);
  return z3::concat(a, b);
}

// Faults in priority order: the first condition added that holds decides the outcome code (§7.3.22).
class FaultChain {
 public:
  explicit FaultChain(z3::context& c)
      : done(c.bool_val(false)), code(c.bv_val(kSuccess, 8)), stage2(c.bool_val(false)), razwi(c.bool_val(false)) {}
  // Adds a fault that applies when `cond` holds and no earlier fault did.
  void add(const z3::expr& cond, uint8_t event, bool s2 = false) {
    z3::context& c = cond.ctx();
    add(cond, c.bv_val(event, 8), c.bool_val(s2), c.bool_val(false));
  }
  void add(const z3::expr& cond_in, const z3::expr& ev, const z3::expr& s2, const z3::expr& rw) {
    if (finished()) return;
    z3::expr cond = simp(f_and(f_not(done), cond_in));
    if (cond.is_false()) return;
    code = f_ite(cond, ev, code);
    stage2 = f_ite(cond, s2, stage2);
    razwi = f_ite(cond, rw, razwi);
    done = done.is_false() ? cond : simp(f_or(done, cond));
  }
  void add(const z3::expr& cond, EventType e, bool s2 = false) { add(cond, static_cast<uint8_t>(e), s2); }
  void add(const z3::expr& cond, EventType e, bool s2, const z3::expr& rw) {
    z3::context& c = cond.ctx();
    add(cond, c.bv_val(static_cast<uint8_t>(e), 8), c.bool_val(s2), rw);
  }

  // A fault has certainly been decided (always the case once a concrete input faults): nothing more to encode.
  bool finished() const { return done.is_true(); }

  z3::expr done;    // some fault has been decided
  z3::expr code;    // its code
  z3::expr stage2;  // raised by stage 2
  z3::expr razwi;   // completes as RAZ/WI
};

// A descriptor field of a 64-bit word.
inline z3::expr eq(const z3::expr& e, uint64_t v) {
  uint64_t x = 0;
  if (e.is_numeral_u64(x)) return e.ctx().bool_val(x == v);
  return e == e.ctx().bv_val(v, e.get_sort().bv_size());
}
inline z3::expr fld(const z3::expr& w, const Field& f) { return bits(w, f.hi, f.lo); }
inline z3::expr is1(const z3::expr& w, const Field& f) { return eq(bits(w, f.lo, f.lo), 1); }

// A structure of eight qwords (STE, CD) read from memory.
struct Words {
  std::vector<z3::expr> q;
  z3::expr get(const Field& f) const { return bits(q.at(f.qword), f.hi, f.lo); }
  z3::expr bit(const Field& f) const { return eq(get(f), 1); }
};
// The value of `e` if it simplifies to a numeral.
inline std::optional<uint64_t> as_const(const z3::expr& e) {
  uint64_t v = 0;
  z3::expr s = simp(e);
  if (s.is_bool()) {
    if (s.is_true()) return 1;
    if (s.is_false()) return 0;
    return std::nullopt;
  }
  if (s.is_numeral_u64(v)) return v;
  return std::nullopt;
}
// The values `e` (of `bits` bits) can take: just its value if constant, else all of 0 .. 2^bits - 1.
inline std::vector<uint64_t> candidates(const z3::expr& e, unsigned bits) {
  if (auto v = as_const(e)) return {*v};
  std::vector<uint64_t> all;
  for (uint64_t i = 0; i < (uint64_t{1} << bits); ++i) all.push_back(i);
  return all;
}

// Whether the bits of `addr` at and above `bits` are zero (addr of any width).
inline z3::expr fits(const z3::expr& addr, unsigned n) {
  unsigned w = addr.get_sort().bv_size();
  if (n >= w) return addr.ctx().bool_val(true);
  return eq(detail::bits(addr, w - 1, n), 0);
}

// Granules: the log2 size (12, 14, 16) from CD.TG0 / STE.S2TG and CD.TG1 encodings; 0 for a reserved value.
inline unsigned tg0_granule(uint64_t enc) { return enc == 0 ? 12 : enc == 1 ? 16 : enc == 2 ? 14 : 0; }
inline unsigned tg1_granule(uint64_t enc) { return enc == 1 ? 14 : enc == 2 ? 12 : enc == 3 ? 16 : 0; }
// The input address bits a lookup at `level` resolves start at bit level_shift.
inline unsigned level_shift(unsigned g, int level) { return g + (3 - level) * (g - 3); }

// Everything a translation encoding needs.
struct Enc {
  z3::context& c;
  const SmmuConfig& cfg;
  const Features& f;
  SymbolicMemory& mem;
  SymbolicMemory& s2mem;
  FaultChain fc;
  unsigned oas;  // bits
  unsigned ias;  // bits

  z3::expr bv(uint64_t v, unsigned bits) const { return c.bv_val(v, bits); }
  z3::expr t() const { return c.bool_val(true); }
  z3::expr ff() const { return c.bool_val(false); }
  // A read of qword `qaddr` from the main memory, made when `guard` holds and no fault was decided yet.
  z3::expr read(const z3::expr& qaddr, const z3::expr& guard, TableRole role, bool s2 = false) {
    return (s2 ? s2mem : mem).read(qaddr, simp(f_and(guard, f_not(fc.done))), role);
  }
  // The effective output size of an IPS / S2PS encoding (capped to the OAS).
  unsigned ps_bits(uint64_t enc) const { return std::min(pa_size_bits(static_cast<unsigned>(enc)), oas); }
  // Whether `addr` fits the effective size selected by the 3-bit PS encoding `ps`.
  z3::expr fits_ps(const z3::expr& addr, const z3::expr& ps) const {
    if (auto v = as_const(ps)) return fits(addr, ps_bits(*v));
    z3::expr r = ff();
    for (uint64_t e = 0; e < 8; ++e) r = z3::ite(eq(ps, e), fits(addr, ps_bits(e)), r);
    return r;
  }
};

// The configuration a stage 2 walk uses (from the STE).
struct S2Cfg {
  z3::expr tg, t0sz, sl0, ps, ttb, affd, ptw;  // ttb: the S2TTB address, 48 bits
};
// The configuration of one stage 1 translation table (TTB0 or TTB1 of the CD).
struct S1Table {
  z3::expr tg;      // encoding in TG0 terms (00 4KB, 01 64KB, 10 16KB)
  z3::expr tsz;     // 6 bits
  z3::expr ttb;     // 48 bits
  z3::expr had;     // hierarchical attributes disabled
};

// What a stage 2 translation of one address gives: its output and leaf.
struct S2Result {
  z3::expr pa;    // 48 bits
  z3::expr leaf;  // the leaf descriptor
};
enum class S2Class : uint8_t { In, Tt, Cd };

// The stage 1 context the walks need.
struct S1Ctx {
  Words cd;
  z3::expr el2;     // StreamWorld NS-EL2 (one privilege level, TTB0 only)
  z3::expr nested;  // stage 2 translates too
  S2Cfg s2;
};

// encode_walk_s2.cpp
S2Result s2_translate(Enc& e, const S2Cfg& s2, const z3::expr& ipa48, const z3::expr& guard, S2Class cls,
                      const z3::expr& write, const z3::expr& instr, const z3::expr& priv);
// encode_walk_s1.cpp: the stage 1 walk and permission checks; returns the IPA (48 bits).
z3::expr s1_translate(Enc& e, const S1Ctx& s1, const z3::expr& va64, const z3::expr& guard, const z3::expr& write,
                      const z3::expr& instr, const z3::expr& priv);
// Common table walk core (encode_walk.cpp).
struct WalkOut {
  z3::expr oa;                             // 48 bits
  z3::expr leaf;                           // 64 bits
  z3::expr ap_table, xn_table, pxn_table;  // accumulated hierarchical attributes (stage 1): 2, 1, 1 bits
};
struct WalkShape {
  unsigned g;               // granule bits
  int start;                // start level
  unsigned max_index_bits;  // index bits at the start level, at most
};
// Reads the descriptor at a 45-bit qword address of the table space (a PA, or an IPA for nested stage 1) when
// `guard` holds, adding any fault of that access (a nested stage 2 walk) to the chain.
using Fetch = std::function<z3::expr(const z3::expr& qaddr, const z3::expr& guard)>;
// Walks one (granule, start level) shape when `guard` holds: translation faults for invalid descriptors and
// address size faults for output addresses outside `ps`, reported with the event's S2 bit `s2` and RAZ/WI `rw`.
WalkOut walk_shape(Enc& e, const WalkShape& sh, const z3::expr& ia48, const z3::expr& tsz, const z3::expr& ttb48,
                   const z3::expr& ps, const z3::expr& guard, bool s2, const z3::expr& rw, const Fetch& fetch);

// encode_config.cpp
// The 48-bit address of the STE of `sid` (64-byte aligned), after the stream table range checks.
z3::expr ste_address(Enc& e, const z3::expr& sid);
z3::expr ste_illegal(Enc& e, const Words& ste);
z3::expr cd_illegal(Enc& e, const Words& ste, const Words& cd, const z3::expr& el2);
// The start level of a stage 1 table of granule g for each T0SZ/T1SZ value [lo, hi], over the valid range.
struct LevelRange {
  int level;
  unsigned lo, hi;
};
std::vector<LevelRange> s1_start_levels(const Features& f, unsigned g);
// The stage 2 start level selected by S2SL0 with granule g, or -1 when reserved or invalid (§5.2).
int s2_start_level(const Features& f, unsigned g, unsigned sl0);

}  // namespace smmu::z3enc::detail

