// Reading a model's state the way software does: through registers and memory, so that any model
// (ours, a plugin, QEMU) is observed alike.
#include <algorithm>

#include "harness/runner/runner.h"
#include "specs/lookup.h"

namespace smmu::harness {

namespace {
uint64_t compose(std::string_view reg, const google::protobuf::RepeatedPtrField<smmucheck::FieldValue>& fields) {
  uint64_t v = 0;
  for (const auto& fv : fields)
    if (const Field* f = register_field(fv.name(), reg)) f->set(v, fv.value());
  return v;
}

template <class M>
MmioAccess access_of(const M& m) {
  MmioAccess a;
  const Register* r = m.has_offset() ? register_at(m.offset()) : register_by_name(m.reg());
  a.offset = m.has_offset() ? m.offset() : (r ? r->offset : 0);
  a.size = m.has_size() ? m.size() : (r ? r->bits / 8 : 4);
  return a;
}
}  // namespace

MmioAccess mmio_access(const smmucheck::MmioWrite& w) {
  MmioAccess a = access_of(w);
  a.value = w.has_value() ? w.value() : compose(w.reg(), w.field());
  return a;
}

MmioAccess mmio_access(const smmucheck::MmioRead& r) { return access_of(r); }

std::array<uint64_t, 2> encode_command(const smmucheck::Command& c) {
  std::array<uint64_t, 2> q{};
  if (c.raw_size() == 2) return {c.raw(0), c.raw(1)};
  if (auto op = opcode_by_name(c.opcode())) cmd::Opcode.set(std::span<uint64_t>(q), *op);
  for (const auto& fv : c.field())
    if (const Field* f = field_by_name(cmd::kFields, fv.name())) f->set(std::span<uint64_t>(q), fv.value());
  return q;
}

EventQueueReading read_event_records(Memory& mem, uint64_t base_reg, unsigned max_log2, uint32_t before,
                                     uint32_t after) {
  EventQueueReading out;
  // §6.3.29: every use of LOG2SIZE is capped at IDR1.EVENTQS.
  const unsigned log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base_reg)), max_log2);
  const uint64_t entries = uint64_t{1} << log2;
  const uint64_t base = regf::QUEUE_BASE_ADDR.in_place(base_reg) & ~(std::max<uint64_t>(entries * 32, 32) - 1);
  const uint32_t mask = static_cast<uint32_t>((entries << 1) - 1);  // index and wrap bit
  const uint32_t written = (after - before) & mask;
  out.lost = written > entries ? static_cast<uint32_t>(written - entries) : 0;
  for (uint32_t n = out.lost, i = (before + out.lost) & mask; n < written; ++n, i = (i + 1) & mask) {
    EventRecord r;
    const uint64_t pa = base + uint64_t{i & (entries - 1)} * 32;
    for (unsigned q = 0; q < 4; ++q) r.q[q] = mem.read(pa + 8 * q, 8).value_or(0);
    out.records.push_back(r);
    out.pas.push_back(pa);
  }
  return out;
}

}  // namespace smmu::harness
