#include "fuzzers/mutator.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "fuzzers/codec.h"
#include "fuzzers/interesting.h"
#include "specs/layout.h"

namespace smmu::fuzz {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// One scalar a mutation can change: field `f` of `msg` (element `index` when repeated).
struct Slot {
  Message* msg;
  const FieldDescriptor* f;
  int index;  // -1 for a singular field
};

void collect_slots(Message& m, std::vector<Slot>& out) {
  const Reflection* r = m.GetReflection();
  const auto* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->name() == "comment" || f->name().starts_with("expect")) continue;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k) collect_slots(*r->MutableRepeatedMessage(&m, f, k), out);
      } else if (r->HasField(m, f)) {
        collect_slots(*r->MutableMessage(&m, f), out);
      }
      continue;
    }
    if (f->is_repeated()) {
      for (int k = 0; k < r->FieldSize(m, f); ++k) out.push_back({&m, f, k});
    } else if (!f->containing_oneof() || r->HasField(m, f)) {
      out.push_back({&m, f, -1});
    }
  }
}

uint64_t get_u64(const Slot& s) {
  const Reflection* r = s.msg->GetReflection();
  switch (s.f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT64: return s.index < 0 ? r->GetUInt64(*s.msg, s.f) : r->GetRepeatedUInt64(*s.msg, s.f, s.index);
    case FieldDescriptor::CPPTYPE_UINT32: return s.index < 0 ? r->GetUInt32(*s.msg, s.f) : r->GetRepeatedUInt32(*s.msg, s.f, s.index);
    default: return 0;
  }
}

void set_u64(const Slot& s, uint64_t v) {
  const Reflection* r = s.msg->GetReflection();
  if (s.f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
    if (s.index < 0) r->SetUInt64(s.msg, s.f, v);
    else r->SetRepeatedUInt64(s.msg, s.f, s.index, v);
  } else {
    if (s.index < 0) r->SetUInt32(s.msg, s.f, static_cast<uint32_t>(v));
    else r->SetRepeatedUInt32(s.msg, s.f, s.index, static_cast<uint32_t>(v));
  }
}

template <class C>
auto pick(Mutator& m, const C& c) { return c[m.below(std::size(c))]; }

// A value near `v` or at a boundary the field's meaning suggests.
uint64_t interesting_value(Mutator& m, std::string_view name, uint64_t v) {
  if (name == "sid") return m.below(2) ? pick(m, kStreamIds) : nudge(v, unsigned(m.next()));
  if (name == "ssid") return pick(m, kSubstreamIds);
  if (name == "ia_bits" || name == "s2_ia_bits") return pick(m, kIaBits);
  if (name == "cmdq_log2size" || name == "eventq_log2size") return pick(m, kQueueLog2);
  if (name == "strtab_log2size") return std::array<uint64_t, 8>{0, 1, 5, 6, 8, 10, 16, 32}[m.below(8)];
  if (name == "strtab_split") return std::array<uint64_t, 5>{0, 6, 7, 8, 10}[m.below(5)];
  if (name == "cdmax") return std::array<uint64_t, 8>{0, 1, 2, 4, 8, 10, 16, 20}[m.below(8)];
  if (name == "s1dss") return m.below(4);
  if (name == "granule") return std::array<uint64_t, 4>{4096, 16384, 65536, 8192}[m.below(4)];
  if (name == "asid" || name == "vmid") return pick(m, kTags);
  if (name == "id" || name == "domain") return m.below(9);
  if (name == "offset") return pick(m, kOddOffsets);
  if (name == "size" && v <= 8) return m.below(2) ? 4 : 8;
  if (name == "size") {  // a page or block size of some granule and level
    const unsigned g = std::array<unsigned, 3>{12, 14, 16}[m.below(3)];
    return level_size(g, 1 + int(m.below(3)));
  }
  if (name == "addr" || name == "iova" || name == "pa" || name == "ipa" || name == "base" || name == "table_base") {
    switch (m.below(5)) {
      case 0: return pick(m, kAddresses);
      case 1: {  // the neighbouring page, block or table boundary
        const unsigned g = std::array<unsigned, 3>{12, 14, 16}[m.below(3)];
        const uint64_t sz = level_size(g, 1 + int(m.below(3)));
        return (v & ~(sz - 1)) + (m.below(2) ? sz : 0) - (m.below(2) ? 8 : 0);
      }
      case 2: return nudge(v, unsigned(m.next()));
      case 3: return v ^ (uint64_t{1} << m.below(64));
      default: return v + (uint64_t{1} << (12 + m.below(40)));
    }
  }
  switch (m.below(6)) {  // qwords, values, anything else: bits and ends
    case 0: return v ^ (uint64_t{1} << m.below(64));
    case 1: return v + 1;
    case 2: return v - 1;
    case 3: return 0;
    case 4: return ~uint64_t{0};
    default: return m.next();
  }
}

// Domains must keep distinct ASIDs and VMIDs (a shared tag may share TLB entries: a driver bug the
// caching rule does not model), so a tag change that collides is undone.
bool tags_distinct(const smmucheck::Scenario& s) {
  std::vector<uint32_t> asids, vmids;
  for (const auto& step : s.step()) {
    if (!step.has_driver() || !step.driver().has_domain()) continue;
    asids.push_back(step.driver().domain().asid());
    vmids.push_back(step.driver().domain().vmid());
  }
  for (auto* v : {&asids, &vmids}) {
    std::sort(v->begin(), v->end());
    if (std::adjacent_find(v->begin(), v->end()) != v->end()) return false;
  }
  return true;
}

}  // namespace

void Mutator::insert_generated(smmucheck::Scenario& s) {
  const int at = static_cast<int>(below(size_t(s.step_size()) + 1));
  smmucheck::Scenario context = s;
  context.mutable_step()->DeleteSubrange(at, s.step_size() - at);
  std::vector<uint8_t> bytes(1 + below(24));
  for (auto& x : bytes) x = static_cast<uint8_t>(next());
  const auto steps = generate_steps(context, bytes);
  smmucheck::Scenario out = context;
  for (const auto& st : steps) *out.add_step() = st;
  for (int i = at; i < s.step_size(); ++i) *out.add_step() = s.step(i);
  s = std::move(out);
}

void Mutator::delete_steps(smmucheck::Scenario& s) {
  if (s.step_size() == 0) return;
  const int at = static_cast<int>(below(size_t(s.step_size())));
  const int n = std::min(s.step_size() - at, 1 + static_cast<int>(below(3)));
  s.mutable_step()->DeleteSubrange(at, n);
}

void Mutator::duplicate_steps(smmucheck::Scenario& s) {
  if (s.step_size() == 0) return;
  const int from = static_cast<int>(below(size_t(s.step_size())));
  const int n = std::min(s.step_size() - from, 1 + static_cast<int>(below(3)));
  const int to = static_cast<int>(below(size_t(s.step_size()) + 1));
  std::vector<smmucheck::Step> steps(s.step().begin(), s.step().end());
  std::vector<smmucheck::Step> copy(steps.begin() + from, steps.begin() + from + n);
  steps.insert(steps.begin() + to, copy.begin(), copy.end());
  s.clear_step();
  for (auto& st : steps) *s.add_step() = std::move(st);
}

void Mutator::swap_steps(smmucheck::Scenario& s) {
  if (s.step_size() < 2) return;
  const int a = static_cast<int>(below(size_t(s.step_size())));
  const int b = below(2) ? std::min(a + 1, s.step_size() - 1) : static_cast<int>(below(size_t(s.step_size())));
  s.mutable_step()->SwapElements(a, b);
}

void Mutator::mutate_field(smmucheck::Scenario& s) {
  if (s.step_size() == 0) return;
  smmucheck::Step& step = *s.mutable_step(static_cast<int>(below(size_t(s.step_size()))));
  std::vector<Slot> slots;
  collect_slots(step, slots);
  if (slots.empty()) return;
  const Slot slot = slots[below(slots.size())];
  const Reflection* r = slot.msg->GetReflection();
  const std::string& name = slot.f->name();
  switch (slot.f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t before = get_u64(slot);
      set_u64(slot, interesting_value(*this, name, before));
      if ((name == "asid" || name == "vmid") && !tags_distinct(s)) set_u64(slot, before);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (slot.index < 0) r->SetBool(slot.msg, slot.f, !r->GetBool(*slot.msg, slot.f));
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = slot.f->enum_type();
      if (slot.index < 0) r->SetEnumValue(slot.msg, slot.f, e->value(static_cast<int>(below(size_t(e->value_count()))))->number());
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v;
      if (name == "perms") v = std::array<const char*, 8>{"", "rw", "r", "w", "rx", "rwx", "rwu", "x"}[below(8)];
      else if (name == "memtype") v = std::array<const char*, 4>{"", "normal", "device", "nc"}[below(4)];
      else if (name == "reg") v = reg::kRegisters[below(std::size(reg::kRegisters))].name;
      else if (name == "opcode") v = kOpcodes[below(std::size(kOpcodes))].name;
      else return;
      if (slot.index < 0) r->SetString(slot.msg, slot.f, v);
      break;
    }
    default: break;
  }
}

void Mutator::mutate_features(smmucheck::Scenario& s) {
  auto* f = s.mutable_features();
  if (f->set_size() >= 64 || (f->set_size() > 0 && below(3) == 0)) {  // the codec carries 64 overrides
    f->mutable_set()->DeleteSubrange(static_cast<int>(below(size_t(f->set_size()))), 1);
    return;
  }
  // An IDR field set to one of its ends, or the architecture version.
  static const std::vector<const Field*> fields = [] {
    std::vector<const Field*> v;
    for (const Field& x : regf::kFields) {
      std::string_view n = x.name;
      if (n.starts_with("IDR0.") || n.starts_with("IDR1.") || n.starts_with("IDR3.") || n.starts_with("IDR5.")) v.push_back(&x);
    }
    return v;
  }();
  auto* fv = f->add_set();
  if (below(6) == 0) {
    fv->set_name("version");
    fv->set_value(below(4));
    return;
  }
  const Field& x = *fields[below(fields.size())];
  fv->set_name(x.name);
  fv->set_value(below(3) == 0 ? x.mask() : below(2) ? 0 : (1 & x.mask()));
}

smmucheck::Scenario Mutator::mutate(smmucheck::Scenario s) {
  for (size_t n = 1 + below(4), i = 0; i < n; ++i) {
    switch (below(16)) {
      case 0: case 1: case 2: case 3: insert_generated(s); break;
      case 4: case 5: delete_steps(s); break;
      case 6: duplicate_steps(s); break;
      case 7: case 8: swap_steps(s); break;
      case 9: mutate_features(s); break;
      default: mutate_field(s); break;
    }
  }
  return s;
}

smmucheck::Scenario Mutator::crossover(const smmucheck::Scenario& a, const smmucheck::Scenario& b) {
  smmucheck::Scenario out = below(5) ? a : b;
  out.clear_step();
  const int i = static_cast<int>(below(size_t(a.step_size()) + 1));
  const int j = static_cast<int>(below(size_t(b.step_size()) + 1));
  if (below(2)) {  // a's prefix, b's suffix
    for (int k = 0; k < i; ++k) *out.add_step() = a.step(k);
    for (int k = j; k < b.step_size(); ++k) *out.add_step() = b.step(k);
  } else {  // a chunk of b inside a
    const int n = std::min(b.step_size() - j, 1 + static_cast<int>(below(8)));
    for (int k = 0; k < i; ++k) *out.add_step() = a.step(k);
    for (int k = j; k < j + n; ++k) *out.add_step() = b.step(k);
    for (int k = i; k < a.step_size(); ++k) *out.add_step() = a.step(k);
  }
  return out;
}

size_t Mutator::encode_into(smmucheck::Scenario s, uint8_t* out, size_t max_size) {
  while (true) {
    auto bytes = encode(s, nullptr, /*checked=*/false);
    if (bytes && bytes->size() <= max_size) {
      std::memcpy(out, bytes->data(), bytes->size());
      return bytes->size();
    }
    if (s.step_size() == 0) return 0;
    s.mutable_step()->DeleteSubrange(s.step_size() / 2, s.step_size() - s.step_size() / 2);
  }
}

size_t Mutator::mutate_bytes(uint8_t* data, size_t size, size_t max_size) {
  return encode_into(mutate(decode({data, size})), data, max_size);
}

size_t Mutator::crossover_bytes(const uint8_t* a, size_t a_size, const uint8_t* b, size_t b_size, uint8_t* out,
                                size_t max_size) {
  return encode_into(crossover(decode({a, a_size}), decode({b, b_size})), out, max_size);
}

}  // namespace smmu::fuzz
