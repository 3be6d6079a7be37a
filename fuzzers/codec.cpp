#include "fuzzers/codec.h"

#include <array>
#include <utility>

#include <google/protobuf/util/message_differencer.h>

#include "fuzzers/builder.h"
#include "fuzzers/generators.h"
#include "fuzzers/raw_forms.h"
#include "fuzzers/wire.h"
#include "harness/diff/reduce.h"

namespace smmu::fuzz {

namespace {

// Tags from kRawTag on name the raw forms; the others name generators, each with a share of the byte
// values that sets how often random bytes call it.
constexpr uint8_t kRawTag = 0xf4;
static_assert(kRawTag + static_cast<unsigned>(RawKind::kCount) == 256);

constexpr std::array<std::pair<Generator, unsigned>, 15> kShares{{
    {Generator::DmaMapped, 72}, {Generator::DmaBurst, 14}, {Generator::DmaStray, 16}, {Generator::Map, 30},
    {Generator::Unmap, 10},     {Generator::Domain, 8},    {Generator::Attach, 12},   {Generator::Detach, 4},
    {Generator::Flip, 16},      {Generator::Stale, 14},    {Generator::Invalidate, 16}, {Generator::OddCommand, 10},
    {Generator::OddRegister, 10}, {Generator::RegisterRead, 6}, {Generator::MemoryRead, 6}}};
constexpr unsigned total_shares() {
  unsigned n = 0;
  for (const auto& s : kShares) n += s.second;
  return n;
}
static_assert(total_shares() == kRawTag);

Generator generator_for(uint8_t tag) {
  for (const auto& [g, share] : kShares) {
    if (tag < share) return g;
    tag = static_cast<uint8_t>(tag - share);
  }
  return Generator::DmaMapped;
}

// Header byte values: features and memory in raw form, or the smart forms below them.
constexpr uint8_t kRawHeader = 0xff;
constexpr uint8_t kFeaturePresets = 0xc0;  // below: smmucheck's default features
constexpr uint8_t kAbortPage = 0xe0;       // memory byte from here: one page of table memory aborts

// A few IDR choices (§6.3.1-§6.3.8): what a real SMMU may lack or add.
using Preset = std::vector<std::pair<const char*, uint64_t>>;
const std::vector<Preset>& presets() {
  static const std::vector<Preset> p{
      {{"version", 0}}, {{"version", 1}}, {{"version", 3}}, {{"IDR0.S1P", 0}}, {{"IDR0.S2P", 0}},
      {{"IDR5.GRAN16K", 0}, {"IDR5.GRAN64K", 0}}, {{"IDR5.GRAN4K", 0}}, {{"IDR1.SIDSIZE", 8}},
      {{"IDR1.SSIDSIZE", 0}}, {{"IDR1.SSIDSIZE", 20}}, {{"IDR0.ASID16", 0}, {"IDR0.VMID16", 0}}, {{"IDR5.OAS", 2}},
      {{"IDR5.OAS", 0}}, {{"IDR5.OAS", 6}}, {{"IDR0.ST_LEVEL", 0}}, {{"IDR0.CD2L", 0}}, {{"IDR0.TERM_MODEL", 1}},
      {{"IDR0.STALL_MODEL", 0}}, {{"IDR0.STALL_MODEL", 2}}, {{"IDR3.HAD", 0}}, {{"IDR0.HYP", 0}},
      {{"IDR0.TTENDIAN", 0}}, {{"IDR0.TTENDIAN", 3}}, {{"IDR1.CMDQS", 4}, {"IDR1.EVENTQS", 4}}, {{"IDR0.MSI", 0}},
      {{"IDR0.BTM", 1}}, {{"IDR3.RIL", 0}}, {{"IDR0.HTTU", 1}}, {{"IDR0.HTTU", 2}},
      {{"IDR1.ATTR_TYPES_OVR", 0}, {"IDR1.ATTR_PERMS_OVR", 0}}, {{"IDR3.XNX", 1}}, {{"IDR3.FWB", 1}},
      {{"IDR3.E0PD", 1}}, {{"IDR3.BBML", 1}}, {{"IDR5.DS", 1}}, {{"IDR0.TTF", 1}}, {{"IDR0.ATS", 1}},
      {{"IDR0.PRI", 1}}, {{"IDR1.SIDSIZE", 5}}, {{"IDR0.VMW", 1}}};
  return p;
}

void add_preset(const Preset& p, smmucheck::Features& f) {
  for (const auto& [name, value] : p) {
    auto* fv = f.add_set();
    fv->set_name(name);
    fv->set_value(value);
  }
}

void read_header(ByteReader& r, ScenarioBuilder& b) {
  const uint8_t f = r.u8();
  if (f == kRawHeader) {
    smmucheck::Features features;
    read_raw_features(r, features);
    b.set_features(features);
  } else if (f >= kFeaturePresets) {
    smmucheck::Features features;
    const unsigned k = f - kFeaturePresets;
    add_preset(presets()[k % presets().size()], features);
    if (k >= 32) add_preset(presets()[r.u8() % presets().size()], features);
    b.set_features(features);
  }
  const uint8_t m = r.u8();
  if (m == kRawHeader) {
    smmucheck::Scenario s;
    read_raw_memory(r, s);
    for (const auto& w : s.memory()) b.add_memory(w);
    for (const auto& a : s.abort()) b.add_abort(a);
  } else if (m >= kAbortPage) {
    smmucheck::Range a;
    a.set_base(0x4000'0000 + 0x1000 * uint64_t{r.u8()});
    a.set_size(0x1000);
    b.add_abort(a);
  }
}

void read_operations(ByteReader& r, ScenarioBuilder& b) {
  while (!r.at_end() && !b.full()) {
    const uint8_t tag = r.u8();
    if (tag >= kRawTag) b.emit(read_raw_step(static_cast<RawKind>(tag - kRawTag), r));
    else run_generator(generator_for(tag), r, b);
  }
}

}  // namespace

smmucheck::Scenario decode(std::span<const uint8_t> bytes) {
  ByteReader r(bytes);
  ScenarioBuilder b(kMaxSteps);
  read_header(r, b);
  read_operations(r, b);
  return b.take();
}

smmucheck::Scenario executable_part(const smmucheck::Scenario& s) {
  smmucheck::Scenario e = s;
  e.clear_name();
  e.clear_description();
  e.clear_spec();
  e.clear_rule();
  harness::strip_expectations(e);
  return e;
}

std::optional<std::vector<uint8_t>> encode(const smmucheck::Scenario& s, std::string* why, bool checked) {
  std::string reason;
  const smmucheck::Scenario e = executable_part(s);
  auto fail = [&](std::string r) -> std::optional<std::vector<uint8_t>> {
    if (why) *why = std::move(r);
    return std::nullopt;
  };
  if (checked && e.step_size() > int(kMaxSteps)) return fail("more than 256 steps");
  ByteWriter w;
  if (e.has_features()) {
    w.u8(kRawHeader);
    if (!write_raw_features(e.features(), w, reason)) return fail(reason);
  } else {
    w.u8(0);
  }
  if (e.memory_size() || e.abort_size()) {
    w.u8(kRawHeader);
    if (!write_raw_memory(e, w, reason)) return fail(reason);
  } else {
    w.u8(0);
  }
  int written = 0;
  for (int i = 0; i < e.step_size() && written < int(kMaxSteps); ++i) {
    ByteWriter op;
    const auto kind = write_raw_step(e.step(i), op, reason);
    if (!kind) {
      if (checked) return fail("step " + std::to_string(i) + ": " + reason);
      continue;  // the mutator's scenarios: a step the codec cannot carry is left out
    }
    w.u8(static_cast<uint8_t>(kRawTag + static_cast<unsigned>(*kind)));
    w.bytes().insert(w.bytes().end(), op.bytes().begin(), op.bytes().end());
    ++written;
  }
  if (checked) {
    std::string difference;
    if (!same_scenario(decode(w.bytes()), e, &difference)) return fail("the decoder does not give it back: " + difference);
  }
  return std::move(w.bytes());
}

std::vector<smmucheck::Step> generate_steps(const smmucheck::Scenario& context, std::span<const uint8_t> bytes) {
  ScenarioBuilder b(static_cast<size_t>(context.step_size()) + 64);
  if (context.has_features()) b.set_features(context.features());
  for (const auto& w : context.memory()) b.add_memory(w);
  for (const auto& step : context.step()) b.emit(step);
  const int before = b.scenario().step_size();
  ByteReader r(bytes);
  read_operations(r, b);
  const auto& steps = b.scenario().step();
  return {steps.begin() + before, steps.end()};
}

harness::LoadedScenario loaded(smmucheck::Scenario s, std::string path) {
  harness::LoadedScenario l;
  l.path = std::move(path);
  l.msg = std::move(s);
  std::vector<std::string> problems;
  l.features = harness::requested_features(l.msg.features(), problems);
  for (int i = 0; i < l.msg.step_size(); ++i) l.step_line.push_back(i + 1);
  return l;
}

bool same_scenario(const smmucheck::Scenario& a, const smmucheck::Scenario& b, std::string* difference) {
  std::string report;
  bool same = false;
  {
    google::protobuf::util::MessageDifferencer d;  // its reporter writes `report` when it goes away
    if (difference) d.ReportDifferencesToString(&report);
    same = d.Compare(a, b);
  }
  if (difference) *difference = report.substr(0, 400);
  return same;
}

}  // namespace smmu::fuzz
