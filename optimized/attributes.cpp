#include "optimized/attributes.h"

#include <algorithm>

#include "specs/layout.h"

namespace smmu::opt {
namespace {

// One MAIR nibble of a Normal type (Arm ARM MAIR_ELx): 0b00RW WT transient, 0b0100 NC, 0b01RW WB
// transient, 0b10RW WT non-transient, 0b11RW WB non-transient.
Level decode_nibble(unsigned n) {
  Level l;
  if (n == 0b0100) {
    l.type = Cache::NC;
    l.ra = l.wa = false;
    return l;
  }
  l.ra = n & 2;
  l.wa = n & 1;
  l.tr = (n & 8) == 0;
  l.type = (n & 4) ? Cache::WB : Cache::WT;
  return l;
}

unsigned encode_nibble(const Level& l) {
  if (l.type == Cache::NC) return 0b0100;
  // §13.1.7: a no-allocate cacheable type is non-transient.
  const bool tr = l.tr && (l.ra || l.wa);
  const unsigned rw = (l.ra ? 2u : 0u) | (l.wa ? 1u : 0u);
  const unsigned kind = l.type == Cache::WB ? (tr ? 0b01u : 0b11u) : (tr ? 0b00u : 0b10u);
  return (kind << 2) | rw;
}

Level s2_level(unsigned bits) {
  Level l;
  l.type = bits <= 1 ? Cache::NC : bits == 2 ? Cache::WT : Cache::WB;
  if (l.type == Cache::NC) l.ra = l.wa = false;
  return l;
}

// §13.1.5: the weaker hint wins (no-allocate, transient).
void combine_hints(Level& into, const Level& other) {
  into.ra = into.ra && other.ra;
  into.wa = into.wa && other.wa;
  into.tr = into.tr || other.tr;
}

unsigned sh_rank(unsigned sh) { return sh == 2 ? 2 : sh == 3 ? 1 : 0; }

}  // namespace

Attrs decode_s2_memattr(unsigned m, bool ste_override) {
  Attrs a;
  const unsigned outer = (m >> 2) & 3, inner = m & 3;
  // §5.2 MemAttr: in the STE, 0b0100/0b1000/0b1100 are Reserved and behave as Device-nGnRnE. In a
  // descriptor (Arm ARM Table D8-96: Reserved, CONSTRAINED UNPREDICTABLE) the inner 0b00 reads as NC.
  if (outer == 0 || (inner == 0 && ste_override)) {
    a.device = true;
    a.dev = outer == 0 ? static_cast<uint8_t>(inner) : 0;
    return a;
  }
  a.outer = s2_level(outer);
  a.inner = s2_level(inner);
  return a;
}

Attrs decode_mair(unsigned attr) {
  Attrs a;
  const unsigned hi = (attr >> 4) & 0xF, lo = attr & 0xF;
  if (hi == 0) {  // Device; 0b00RW with RW != 0 behaves as the Device type of bits [3:2] (§5.4 MAIR)
    a.device = true;
    a.dev = static_cast<uint8_t>(lo >> 2);
    return a;
  }
  a.outer = decode_nibble(hi);
  if (lo == 0) {  // Reserved: Normal-iWT Transient with RW = 0b11 (§5.4 MAIR)
    a.inner = Level{Cache::WT, true, true, true};
  } else {
    a.inner = decode_nibble(lo);
  }
  return a;
}

Attrs replace_attrs(Attrs in, bool mtcfg, unsigned memattr, unsigned alloccfg, unsigned shcfg) {
  if (mtcfg) {
    Attrs t = decode_s2_memattr(memattr, true);
    // §13.1.4: hints of a level made cacheable by the override come from the input when it was
    // cacheable there, otherwise they are the defaults RA, WA, nTR.
    auto keep = [&](Level& to, const Level& from) {
      if (to.type == Cache::NC) return;
      if (!in.device && from.type != Cache::NC) {
        to.ra = from.ra;
        to.wa = from.wa;
        to.tr = from.tr;
      } else {
        to.ra = to.wa = true;
        to.tr = false;
      }
    };
    if (!t.device) {
      keep(t.inner, in.inner);
      keep(t.outer, in.outer);
    }
    t.sh = in.sh;
    in = t;
  }
  if (alloccfg & 8) {
    for (Level* l : {&in.inner, &in.outer}) {
      if (l->type == Cache::NC) continue;
      l->ra = alloccfg & 4;
      l->wa = alloccfg & 2;
      l->tr = alloccfg & 1;
    }
  }
  switch (shcfg & 3) {
    case 0: in.sh = 0; break;
    case 2: in.sh = 2; break;
    case 3: in.sh = 3; break;
    default: break;  // 0b01: use incoming
  }
  return in;
}

Attrs stage1_attrs(const Attrs& input, const Attrs& s1) {
  Attrs out = s1;
  if (!out.device && !input.device) {
    if (input.inner.type != Cache::NC && out.inner.type != Cache::NC) combine_hints(out.inner, input.inner);
    if (input.outer.type != Cache::NC && out.outer.type != Cache::NC) combine_hints(out.outer, input.outer);
  }
  return out;
}

Attrs combine_s2(const Attrs& in, const Attrs& s2) {
  Attrs out;
  out.sh = sh_rank(in.sh) >= sh_rank(s2.sh) ? in.sh : s2.sh;
  if (in.device || s2.device) {
    out.device = true;
    out.dev = static_cast<uint8_t>(std::min(in.device ? in.dev : 3u, s2.device ? s2.dev : 3u));
    return out;
  }
  auto level = [](const Level& a, const Level& b) {
    Level l = a;
    l.type = std::min(a.type, b.type);
    combine_hints(l, b);  // stage 2 has RA = WA = 1, TR = 0: the input's hints pass through
    return l;
  };
  Level s2i = s2.inner, s2o = s2.outer;
  s2i.ra = s2i.wa = s2o.ra = s2o.wa = true;
  s2i.tr = s2o.tr = false;
  out.inner = level(in.inner, s2i);
  out.outer = level(in.outer, s2o);
  return out;
}

void encode_attrs(const Attrs& a, MemAttrs& out) {
  if (a.device) {
    out.mair = static_cast<uint8_t>((a.dev & 3) << 2);
    out.sh = 2;  // §13.1.7: any-Device is Outer Shareable
    return;
  }
  out.mair = static_cast<uint8_t>((encode_nibble(a.outer) << 4) | encode_nibble(a.inner));
  // SH = 0b01 is Reserved (Arm ARM D8.6.2): treated as Non-shareable.
  out.sh = (a.inner.type == Cache::NC && a.outer.type == Cache::NC) ? 2 : a.sh == 1 ? 0 : a.sh;
}

}  // namespace smmu::opt
