// The used-bits rules against the reference model: an entry whose unused bits are scrambled translates
// exactly as the entry itself. The scrambled bits are those of named fields (what a per-qword mix of two
// real entries can put there), not the RES0 gaps between fields that no driver writes.
#include <gtest/gtest.h>

#include <random>

#include "tests/hitless/live_streams.h"

namespace smmu::driver {
namespace {

class UsedBitsOnReference : public hitless_test::LiveStreams {
 protected:
  // The bits of every named field of the entry (§5.2, §5.4 field tables): what a per-qword mix of two real
  // entries can change. RES0 gaps between fields are left alone, as no driver writes them.
  static Words8 mixable(EntryKind kind) {
    Words8 m{};
    for (const Field& f : entry_fields(kind)) m[f.qword] |= f.mask_in_place();
    return m;
  }

  std::vector<Outcome> outcomes(uint32_t sid) {
    std::vector<Outcome> out;
    for (const Transaction& t : {Transaction{.sid = sid, .addr = hitless_test::kIova},
                                 Transaction{.sid = sid, .addr = hitless_test::kIova, .read = false},
                                 Transaction{.sid = sid, .addr = hitless_test::kIova, .instr = true, .priv = true},
                                 Transaction{.sid = sid, .addr = 0x3000'0000},
                                 Transaction{.sid = sid, .ssid = 1, .addr = hitless_test::kIova}})
      out.push_back(run_->model().translate(t, nullptr));
    return out;
  }

  static std::string describe(const Outcome& o) {
    std::string s = outcome_kind_name(o.kind);
    s += " pa=" + std::to_string(o.pa);
    if (o.event) s += std::string(" event=") + event_type_name(static_cast<uint8_t>(o.event->get(event::EVENT_TYPE)));
    return s;
  }

  // Scrambles the unused, mixable bits of the entry at `pa` `trials` times; every DMA of stream `sid` must
  // come out as it did through the entry itself.
  void check(EntryKind kind, uint32_t sid, uint64_t pa, int trials) {
    const UsedContext ctx{scenario_.features};
    const Words8 e = read(pa);
    const Words8 u = used_bits(kind, e, ctx), mix = mixable(kind);
    const std::vector<Outcome> want = outcomes(sid);
    std::mt19937_64 rng(sid * 1000 + static_cast<int>(kind));
    for (int i = 0; i < trials; ++i) {
      Words8 m = e;
      for (unsigned q = 0; q < 8; ++q) m[q] = (e[q] & ~(mix[q] & ~u[q])) | (rng() & mix[q] & ~u[q]);
      write(pa, m);
      const std::vector<Outcome> got = outcomes(sid);
      for (size_t t = 0; t < want.size(); ++t) {
        const bool same = got[t].kind == want[t].kind && got[t].pa == want[t].pa && got[t].perms == want[t].perms &&
                          got[t].attrs == want[t].attrs && got[t].event == want[t].event;
        ASSERT_TRUE(same) << entry_kind_name(kind) << " of SID " << sid << ", transaction " << t << ": "
                          << describe(want[t]) << " became " << describe(got[t]) << "; scrambled bits:"
                          << [&] {
                               std::string s;
                               for (unsigned q = 0; q < 8; ++q)
                                 for (const auto& f : fields_in(kind, q, (m[q] ^ e[q]))) s += " " + f;
                               return s;
                             }();
      }
    }
    write(pa, e);
  }
};

TEST_F(UsedBitsOnReference, Stage1Ste) { check(EntryKind::Ste, 3, ste_pa(3), 300); }
TEST_F(UsedBitsOnReference, Stage2Ste) { check(EntryKind::Ste, 4, ste_pa(4), 300); }
TEST_F(UsedBitsOnReference, NestedSte) { check(EntryKind::Ste, 5, ste_pa(5), 300); }
TEST_F(UsedBitsOnReference, AbortAndBypassStes) {
  write(ste_pa(7), ste_abort());
  check(EntryKind::Ste, 7, ste_pa(7), 300);
  write(ste_pa(8), ste_bypass());
  check(EntryKind::Ste, 8, ste_pa(8), 300);
  write(ste_pa(9), Words8{});  // V = 0
  check(EntryKind::Ste, 9, ste_pa(9), 300);
}
TEST_F(UsedBitsOnReference, Stage1Cd) { check(EntryKind::Cd, 3, cd_pa(3), 300); }
TEST_F(UsedBitsOnReference, NestedCd) { check(EntryKind::Cd, 5, cd_pa(5), 300); }

// The same with fewer features: no substreams, no Hyp (STRW RES0), no attribute overrides (STE.MTCFG,
// SHCFG, PRIVCFG... RES0), no HAD.
class UsedBitsOnNarrowReference : public UsedBitsOnReference {
 protected:
  std::string features_text() const override {
    return R"(features { set { name: "IDR1.SSIDSIZE" value: 0 } set { name: "IDR0.HYP" value: 0 }
                         set { name: "IDR1.ATTR_TYPES_OVR" value: 0 } set { name: "IDR1.ATTR_PERMS_OVR" value: 0 }
                         set { name: "IDR3.HAD" value: 0 } })";
  }
};

TEST_F(UsedBitsOnNarrowReference, Stes) {
  ASSERT_EQ(scenario_.features.ssidsize, 0u);
  ASSERT_FALSE(scenario_.features.attr_types_ovr);
  for (uint32_t sid : {3u, 4u, 5u}) check(EntryKind::Ste, sid, ste_pa(sid), 200);
  write(ste_pa(8), ste_bypass());
  check(EntryKind::Ste, 8, ste_pa(8), 200);
}
TEST_F(UsedBitsOnNarrowReference, Cds) {
  check(EntryKind::Cd, 3, cd_pa(3), 200);
  check(EntryKind::Cd, 5, cd_pa(5), 200);
}

}  // namespace
}  // namespace smmu::driver
