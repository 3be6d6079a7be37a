// The Z3 encoding fuzz target: the symbolic translation of harness/z3 against the reference model. The input
// (z3_encoding_target.h) chooses a random valid configuration built with the driver library
// (harness/z3/random_world.h: world seed, feature set, nested STEs, blocks, streams, CR2.E2H), raw changes to
// its table memory, and a few transactions (mapped inputs, tweaked ones, raw ones). For each transaction the
// encoding's outcome with concrete inputs, simplified, must be the reference's (harness/z3/versus_reference.h:
// kind, event type, S2 and RAZ/WI of translation faults, output address). On a mismatch it prints the world,
// the corruptions, the transaction and both outcomes, with "SMMUCHECK-Z3-MISMATCH: <ref> vs <z3>" on one
// line, and aborts.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "fuzzers/z3_encoding_target.h"
#include "harness/z3/random_world.h"
#include "harness/z3/versus_reference.h"

namespace smmu::fuzz {

Z3FuzzStats& z3_fuzz_stats() {
  static Z3FuzzStats stats;
  return stats;
}

namespace {

using z3test::RandomWorld;

struct Reader {
  const uint8_t* data;
  size_t size, pos = 0;
  bool empty() const { return pos >= size; }
  uint8_t byte() { return pos < size ? data[pos++] : 0; }
  uint64_t bytes(unsigned n) {  // little-endian
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t{byte()} << (8 * i);
    return v;
  }
};

void apply_access(Transaction& t, uint8_t access) {
  t.read = !(access & 1);
  t.instr = t.read && (access & 2);
  t.priv = access & 4;
}

// One Z3 context serves many inputs (a context per input costs more than the input's translations); a fresh one
// every kContextInputs inputs bounds what Z3 keeps of earlier inputs' terms (about 10 KB an input otherwise).
constexpr uint64_t kContextInputs = 1000;
z3::context& context() {
  static std::unique_ptr<z3::context> c;
  if (!c || z3_fuzz_stats().inputs % kContextInputs == 0) c = std::make_unique<z3::context>();
  return *c;
}

class Run {
 public:
  Run(const uint8_t* data, size_t size) : c_(context()), in_{data, size} {
    options_ = in_.byte();
    variant_ = in_.byte();
    seed_ = in_.bytes(8);
    features_ = z3test::feature_variant(variant_);
    z3test::WorldOptions opt;
    opt.allow_nested = !(options_ & 1);
    opt.allow_blocks = !(options_ & 2);
    opt.streams = 1 + ((options_ >> 3) & 7);
    world_.emplace(seed_, features_, opt);
  }

  void run() {
    unsigned corruptions = 0;
    while (!in_.empty() && translations_ < kZ3MaxTranslations) {
      switch (in_.byte() % 8) {
        case kOpTarget: case kOpTarget2: case kOpTarget3: translate(target()); break;
        case kOpPick: translate(pick()); break;
        case kOpRaw: translate(raw()); break;
        case kOpFlip: if (corruptions++ < kZ3MaxCorruptions) flip(); break;
        case kOpOverwrite: if (corruptions++ < kZ3MaxCorruptions) overwrite(); break;
        case kOpCorrupt:
          if (corruptions++ < kZ3MaxCorruptions) world_->corrupt(1), changed("RandomWorld::corrupt(1)");
          break;
      }
    }
    if (translations_ == 0) {
      for (int i = 0; i < 2; ++i) {
        Transaction t = pick();
        apply_access(t, uint8_t(world_->rnd(8)));
        translate(t);
      }
    }
  }

 private:
  Transaction target() {
    const uint8_t index = in_.byte(), tweak = in_.byte(), operand = in_.byte();
    const auto& targets = world_->targets;
    const z3test::Target tg = targets.empty() ? world_->pick() : targets[index % targets.size()];
    Transaction t{.sid = tg.sid, .ssid = tg.ssid, .addr = tg.addr};
    if (tweak & 1) t.addr ^= uint64_t{1} << (operand % 64);
    if (tweak & 2) t.addr += uint64_t(int64_t(int8_t(operand))) << 12;
    if (tweak & 4) t.ssid = operand;
    if (tweak & 8) t.ssid.reset();
    apply_access(t, in_.byte());
    return t;
  }

  Transaction pick() {
    const z3test::Target tg = world_->pick();
    Transaction t{.sid = tg.sid, .ssid = tg.ssid, .addr = tg.addr};
    apply_access(t, in_.byte());
    return t;
  }

  Transaction raw() {
    const uint16_t sid = uint16_t(in_.bytes(2));
    const uint8_t ssid = in_.byte();
    Transaction t;
    t.sid = (sid & 1) || world_->sids.empty() ? uint32_t(sid >> 1) : world_->sids[(sid >> 1) % world_->sids.size()];
    if (ssid != 0xff) t.ssid = ssid;
    t.addr = in_.bytes(8);
    apply_access(t, in_.byte());
    return t;
  }

  // The address of the non-zero table qword an operand names (nullopt when the memory holds none).
  std::optional<uint64_t> qword(uint16_t index) {
    const std::vector<uint64_t> nz = world_->nonzero_qwords();
    if (nz.empty()) return std::nullopt;
    return nz[index % nz.size()];
  }

  void flip() {
    const uint16_t index = uint16_t(in_.bytes(2));
    const unsigned bit = in_.byte() % 64;
    if (auto a = qword(index)) {
      world_->mem.poke64(*a, world_->mem.peek64(*a) ^ (uint64_t{1} << bit));
      changed(text("flip bit %u of qword %#llx", bit, (unsigned long long)*a));
    }
  }

  void overwrite() {
    const uint16_t index = uint16_t(in_.bytes(2));
    const uint8_t slot = in_.byte();
    const uint64_t value = in_.bytes(8);
    if (auto a = qword(index)) {
      const uint64_t at = (*a & ~uint64_t{63}) + 8 * (slot % 8);
      const uint64_t v = slot & 8 ? world_->mem.peek64(at) ^ value : value;
      world_->mem.poke64(at, v);
      changed(text("qword %#llx = %#llx", (unsigned long long)at, (unsigned long long)v));
    }
  }

  void changed(const std::string& what) {
    ++z3_fuzz_stats().corruptions;
    corruptions_ += "  " + what + "\n";
    versus_.reset();  // the symbolic memory is a snapshot: take a new one before the next translation
  }

  void translate(const Transaction& t) {
    if (!versus_)
      versus_.emplace(c_, world_->mem, world_->strtab_base, world_->strtab_base_cfg, features_, (options_ & 4) != 0);
    const z3test::Comparison r = versus_->compare(t);
    ++translations_;
    ++z3_fuzz_stats().translations;
    ++z3_fuzz_stats().by_outcome[r.outcome_key()];
    if (r.ok) return;
    std::fprintf(stderr,
                 "z3_encoding_fuzzer: the encoding disagrees with the reference\n"
                 "  world seed=%#llx feature variant=%u nested=%d blocks=%d streams=%u e2h=%d (%zu targets, sids",
                 (unsigned long long)seed_, variant_ % z3test::kFeatureVariants, !(options_ & 1), !(options_ & 2),
                 1 + ((options_ >> 3) & 7), (options_ & 4) != 0, world_->targets.size());
    for (uint32_t s : world_->sids) std::fprintf(stderr, " %u", s);
    std::fprintf(stderr, ")\n  strtab_base=%#llx strtab_base_cfg=%#x\n", (unsigned long long)world_->strtab_base,
                 world_->strtab_base_cfg);
    if (!corruptions_.empty()) std::fprintf(stderr, "  table memory changed:\n%s", corruptions_.c_str());
    std::fprintf(stderr, "  transaction %u: %s", translations_, r.describe().c_str());
    std::fprintf(stderr, "SMMUCHECK-Z3-MISMATCH: %s\n", r.mismatch_key().c_str());
    std::abort();
  }

  template <class... A>
  static std::string text(const char* format, A... a) {
    char buf[128];
    std::snprintf(buf, sizeof buf, format, a...);
    return buf;
  }

  z3::context& c_;
  Reader in_;
  uint8_t options_ = 0, variant_ = 0;
  uint64_t seed_ = 0;
  Features features_;
  std::optional<RandomWorld> world_;
  std::optional<z3test::VersusReference> versus_;
  unsigned translations_ = 0;
  std::string corruptions_;
};

}  // namespace
}  // namespace smmu::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  smmu::fuzz::Run(data, size).run();
  ++smmu::fuzz::z3_fuzz_stats().inputs;
  return 0;
}
