#include "reference/attributes.h"

#include <algorithm>

namespace smmu::ref {

namespace {

// One Normal-memory nibble of a MAIR attribute (Arm ARM D8.5.2).
CacheLevel decode_nibble(unsigned n) {
  CacheLevel l;
  const bool r = n & 2, w = n & 1;
  switch (n >> 2) {
    case 0b00: l = {Cache::WT, r, w, true}; break;  // 0b00RW: write-through transient
    case 0b01:
      if ((n & 3) == 0) l = {Cache::NC, false, false, false};  // 0b0100: non-cacheable
      else l = {Cache::WB, r, w, true};                          // 0b01RW: write-back transient
      break;
    case 0b10: l = {Cache::WT, r, w, false}; break;
    case 0b11: l = {Cache::WB, r, w, false}; break;
  }
  // §5.4 MAIR: inner 0b0000 under a Normal outer is Reserved and behaves as Normal-iWT Transient, RW = 0b11.
  if (n == 0) l = {Cache::WT, true, true, true};
  return l;
}

unsigned encode_nibble(const CacheLevel& l) {
  const unsigned rw = (l.ra ? 2 : 0) | (l.wa ? 1 : 0);
  switch (l.cache) {
    case Cache::NC: return 0b0100;
    case Cache::WT: return l.tr ? rw : 0b1000 | rw;
    case Cache::WB: return l.tr ? 0b0100 | rw : 0b1100 | rw;
  }
  return 0b0100;
}

Cache s2_cache(unsigned bits) {
  switch (bits) {
    case 0b10: return Cache::WT;
    case 0b11: return Cache::WB;
    default: return Cache::NC;  // 0b01, and the reserved inner 0b00 read as NC
  }
}

unsigned sh_strength(unsigned sh) { return sh == 2 ? 2 : sh == 3 ? 1 : 0; }  // OSH > ISH > NSH

CacheLevel combine_level(const CacheLevel& a, const CacheLevel& b) {
  return {std::min(a.cache, b.cache), a.ra && b.ra, a.wa && b.wa, a.tr || b.tr};
}

}  // namespace

Attrs default_input_attrs(const Transaction& t) {
  Attrs a;
  a.instr = t.read && t.instr;
  a.priv = t.priv;
  return a;
}

Attrs replace_attrs(Attrs a, const Overrides& o, const Features& f, bool is_read) {
  if (f.attr_types_ovr) {
    if (o.mtcfg) {
      // §5.2 MemAttr: the stage-2 MemAttr encoding, with 0b0100, 0b1000, 0b1100 as Device-nGnRnE.
      const unsigned m = o.memattr & 0xF;
      const bool input_cached = !a.device && (a.inner.cache != Cache::NC || a.outer.cache != Cache::NC);
      Attrs t = (m == 0b0100 || m == 0b1000 || m == 0b1100) ? from_s2_memattr(0) : from_s2_memattr(m);
      a.device = t.device;
      a.dev = t.dev;
      a.inner.cache = t.inner.cache;
      a.outer.cache = t.outer.cache;
      if (!input_cached) a.inner = {a.inner.cache}, a.outer = {a.outer.cache};  // §13.1.4: hints RA, WA, nTR
    }
    // §5.2 ALLOCCFG 0b1RWT (it applies whatever MTCFG says: ALLOCCFG_WITHOUT_MTCFG).
    if (o.alloccfg & 0b1000) {
      for (CacheLevel* l : {&a.inner, &a.outer}) {
        l->ra = o.alloccfg & 0b100;
        l->wa = o.alloccfg & 0b010;
        l->tr = o.alloccfg & 0b001;
      }
    }
    switch (o.shcfg) {
      case 0: a.sh = 0; break;
      case 2: a.sh = 2; break;
      case 3: a.sh = 3; break;
      default: break;  // 1: use incoming
    }
  }
  if (f.attr_perms_ovr) {
    if (o.privcfg == 2) a.priv = false;
    if (o.privcfg == 3) a.priv = true;
    if (is_read && o.instcfg == 2) a.instr = false;
    if (is_read && o.instcfg == 3) a.instr = true;  // writes are always Data (Table 13.4)
  }
  return a;
}

Attrs from_mair(uint8_t mair) {
  Attrs a;
  if ((mair >> 4) == 0) {
    a.device = true;
    a.dev = (mair >> 2) & 3;
    return a;
  }
  a.outer = decode_nibble(mair >> 4);
  a.inner = decode_nibble(mair & 0xF);
  return a;
}

Attrs from_s2_memattr(unsigned m) {
  Attrs a;
  if ((m >> 2) == 0) {
    a.device = true;
    a.dev = m & 3;
    return a;
  }
  a.outer = {s2_cache(m >> 2)};
  a.inner = {s2_cache(m & 3)};
  return a;
}

Attrs stage1_attrs(const Attrs& in, uint8_t mair, uint8_t sh) {
  Attrs s1 = from_mair(mair);
  s1.sh = sh;
  s1.instr = in.instr;
  s1.priv = in.priv;
  // §13.4.2: a cacheable input level keeps its RA/WA/TR hints, combined with stage 1's.
  if (!s1.device && !in.device) {
    auto merge = [](CacheLevel& out, const CacheLevel& input) {
      if (input.cache == Cache::NC) return;
      out.ra = out.ra && input.ra;
      out.wa = out.wa && input.wa;
      out.tr = out.tr || input.tr;
    };
    merge(s1.inner, in.inner);
    merge(s1.outer, in.outer);
  }
  return s1;
}

Attrs combine_attrs(const Attrs& a, const Attrs& b) {
  Attrs c = a;
  if (a.device || b.device) {
    c.device = true;
    c.dev = std::min(a.device ? a.dev : uint8_t{3}, b.device ? b.dev : uint8_t{3});
  } else {
    c.inner = combine_level(a.inner, b.inner);
    c.outer = combine_level(a.outer, b.outer);
  }
  c.sh = sh_strength(a.sh) >= sh_strength(b.sh) ? a.sh : b.sh;
  return c;
}

MemAttrs output_attrs(Attrs a) {
  MemAttrs m;
  m.instr = a.instr;
  m.priv = a.priv;
  if (a.device) {
    m.mair = static_cast<uint8_t>(a.dev << 2);
    m.sh = 2;  // §13.1.7: Device is Outer Shareable
    return m;
  }
  for (CacheLevel* l : {&a.inner, &a.outer}) {
    if (l->cache == Cache::NC) *l = {Cache::NC, false, false, false};
    if (!l->ra && !l->wa) l->tr = false;
  }
  m.mair = static_cast<uint8_t>(encode_nibble(a.outer) << 4 | encode_nibble(a.inner));
  m.sh = (a.inner.cache == Cache::NC && a.outer.cache == Cache::NC) ? 2 : a.sh;
  if (m.sh == 1) m.sh = 0;
  return m;
}

}  // namespace smmu::ref
