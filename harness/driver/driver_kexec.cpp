// The driver library's live-update intents (ARCHITECTURE.md, "Live update: the kexec model"):
//  - preserve (the old kernel, before the kexec): the pages of the named objects are handed over (KHO);
//    expands into owner steps, and preserved_stream steps for the streams that survive.
//  - adopt (the new kernel, after it): a fresh driver instance probes the live SMMU and takes it over
//    without disabling it, as the Linux kdump adoption work does (adopt the stream table in place, keep
//    CR0.SMMUEN): it reads STRTAB_BASE and STRTAB_BASE_CFG and uses the stream table where it is (it cannot
//    move it: STRTAB_BASE is IGNORED, before SMMUv3.2 CONSTRAINED UNPREDICTABLE, while SMMUEN = 1, §6.3.24),
//    continues the command queue at its live PROD and CONS, and keeps each queue or re-points it with the
//    CR0/CR0ACK handshake (§6.3.9, §6.3.10; the queue's base is writable only while its enable and ack
//    are 0, §6.3.26, §6.3.29).
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/driver/driver.h"
#include "harness/kexec/ownership.h"
#include "specs/lookup.h"

namespace smmu::driver {

namespace {

constexpr uint64_t kDefaultAdoptBase = 0x4800'0000;
constexpr uint64_t kAdoptRegion = 0x400'0000;  // 64 MiB, as init's

std::array<uint64_t, 2> command(Opcode o, std::initializer_list<std::pair<const Field*, uint64_t>> f = {}) {
  return make_command(static_cast<uint8_t>(o), f);
}

smmucheck::Step owner_step(uint64_t base, uint64_t size, std::string comment) {
  smmucheck::Step s;
  s.set_comment(std::move(comment));
  s.mutable_owner()->set_base(base);
  s.mutable_owner()->set_size(size);
  s.mutable_owner()->set_kind(smmucheck::PRESERVED);
  return s;
}

smmucheck::Step cr0ack_poll(const Field& f, uint64_t value) {
  // §6.3.9: software polls CR0ACK until the field it changed reads the new value (the handshake).
  smmucheck::Step s;
  s.set_comment(fmt::format("driver adopt: poll CR0ACK.{}", std::string_view(f.name).substr(4)));
  s.mutable_mmio_read()->set_reg("CR0ACK");
  auto* e = s.mutable_mmio_read()->add_expect_field();
  e->set_name(std::string(std::string_view(f.name).substr(4)));
  e->set_value(value);
  return s;
}

}  // namespace

std::optional<std::string> Driver::preserve(const smmucheck::Preserve& op, std::vector<smmucheck::Step>& out) {
  if (!strtab_) return "driver init (or adopt) must come first";
  // Pages, not bytes, are handed over: a CD of 64 bytes preserves its whole page.
  kexec::Ownership pages;
  std::vector<std::string> what;
  auto mark = [&](const Extent& e, const std::string& name) {
    if (e.size == 0) return;
    pages.set(e.base, e.size, kexec::Owner::Preserved);
    if (std::find(what.begin(), what.end(), name) == what.end()) what.push_back(name);
  };
  if (op.stream_table())
    for (const Extent& e : strtab_->extents()) mark(e, "stream table");
  if (op.cmdq()) mark(cmdq_, "command queue");
  if (op.eventq()) mark(eventq_, "event queue");
  for (const auto& pd : op.domain()) {
    auto it = domains_.find(pd.id());
    if (it == domains_.end()) return fmt::format("preserve: no domain {}", pd.id());
    const DomainState& d = it->second;
    if (d.s1 && !pd.skip_stage1()) {
      if (!pd.skip_cd()) mark({d.cd, 64}, fmt::format("domain {} CD", pd.id()));
      for (const Extent& e : d.s1->extents()) mark(e, fmt::format("domain {} stage 1", pd.id()));
    }
    if (d.s2 && !pd.skip_stage2())
      for (const Extent& e : d.s2->extents()) mark(e, fmt::format("domain {} stage 2", pd.id()));
  }
  for (const uint32_t sid : op.stream()) {
    if (sid >> strtab_->log2size()) return fmt::format("preserve: StreamID {:#x} is beyond the stream table", sid);
    if (auto it = cd_tables_.find(sid); it != cd_tables_.end())
      for (const Extent& e : it->second->extents()) mark(e, fmt::format("StreamID {:#x} CD table", sid));
  }
  for (const auto& r : op.range()) {
    if (r.size() == 0 || r.base() + r.size() - 1 < r.base())
      return fmt::format("preserve: range {:#x}+{:#x} is empty or wraps", r.base(), r.size());
    mark({r.base(), r.size()}, "range");
  }
  bool first = true;
  for (const auto& e : pages.extents()) {
    out.push_back(owner_step(e.base, e.size, first ? "driver preserve: " + fmt::format("{}", fmt::join(what, ", ")) : ""));
    first = false;
  }
  for (const uint32_t sid : op.stream()) {
    smmucheck::Step s;
    s.mutable_preserved_stream()->set_sid(sid);
    out.push_back(std::move(s));
  }
  return std::nullopt;
}

std::optional<std::string> Driver::repoint_queue(bool eventq, unsigned log2size, uint64_t& cr0,
                                                 std::vector<smmucheck::Step>& out) {
  const Field& en = eventq ? regf::CR0_EVENTQEN : regf::CR0_CMDQEN;
  const unsigned entry = eventq ? 32 : 16;
  if (log2size > (eventq ? features_.eventqs : features_.cmdqs)) return "adopt: queue size exceeds IDR1.CMDQS/EVENTQS";
  const uint64_t bytes = uint64_t{entry} << log2size;
  const uint64_t q = alloc_->alloc(bytes, std::max<uint64_t>(32, bytes));
  (eventq ? eventq_ : cmdq_) = {q, bytes};
  // Disable the queue (SMMUEN stays 1), wait for the ack, point it elsewhere, enable it again (§6.3.9).
  en.set(cr0, 0);
  out.push_back(mmio_write_step("CR0", cr0, fmt::format("driver adopt: disable the {} queue", eventq ? "event" : "command")));
  out.push_back(cr0ack_poll(en, 0));
  uint64_t base = 0;
  regf::QUEUE_BASE_ADDR.set(base, q >> 5);
  regf::QUEUE_BASE_LOG2SIZE.set(base, log2size);
  out.push_back(mmio_write_step(eventq ? "EVENTQ_BASE" : "CMDQ_BASE", base, "driver adopt: the new kernel's queue"));
  out.push_back(mmio_write_step(eventq ? "EVENTQ_PROD" : "CMDQ_PROD", 0));
  out.push_back(mmio_write_step(eventq ? "EVENTQ_CONS" : "CMDQ_CONS", 0));
  en.set(cr0, 1);
  out.push_back(mmio_write_step("CR0", cr0, fmt::format("driver adopt: enable the {} queue", eventq ? "event" : "command")));
  out.push_back(cr0ack_poll(en, 1));
  return std::nullopt;
}

std::optional<std::string> Driver::adopt(const smmucheck::Adopt& op, std::vector<smmucheck::Step>& out) {
  if (!live_.mmio_read || !live_.peek64) return "adopt needs the live SMMU (run it in a scenario)";
  // A fresh driver instance: the new kernel knows only what the registers and the preserved memory say.
  domains_.clear();
  cd_tables_.clear();
  strtab_.reset();
  shadow_ = harness::SparseMemory();
  shadow_.set_background(live_.peek64);  // tables it has not written itself read from memory as it is
  const uint64_t cr0ack = live_.mmio_read(reg::CR0ACK.offset, 4);
  if (!regf::CR0_SMMUEN.get(cr0ack)) return "adopt: CR0ACK.SMMUEN is 0, there is no live SMMU to adopt (use init)";
  table_base_ = op.table_base() ? op.table_base() : kDefaultAdoptBase;
  table_size_ = kAdoptRegion;
  if (table_base_ % kexec::Ownership::kPageSize) return fmt::format("adopt: table_base {:#x} is not page-aligned", table_base_);
  if (live_.preserved)
    for (uint64_t pa = table_base_; pa < table_base_ + table_size_; pa += kexec::Ownership::kPageSize)
      if (live_.preserved(pa))
        return fmt::format("adopt: table_base {:#x}: the new kernel's table memory would overlap preserved page {:#x}",
                           table_base_, pa);
  alloc_ = std::make_unique<Allocator>(table_base_, table_base_ + table_size_);
  // Its free memory held the old kernel's data and was scrambled: it zeroes each table it allocates, as a
  // kernel allocating zeroed pages does, so that no junk entry is ever live.
  alloc_->on_alloc = [this](uint64_t base, uint64_t size) {
    for (uint64_t pa = base; pa < base + size; pa += 8) rec_.poke64(pa, 0);
  };
  // The stream table in place; no write to STRTAB_BASE or STRTAB_BASE_CFG (§6.3.24, §6.3.25).
  const uint64_t strtab = live_.mmio_read(reg::STRTAB_BASE.offset, 8);
  const uint32_t cfg = static_cast<uint32_t>(live_.mmio_read(reg::STRTAB_BASE_CFG.offset, 4));
  if (regf::STRTAB_BASE_CFG_FMT.get(cfg) > 1) return fmt::format("adopt: STRTAB_BASE_CFG.FMT {} is reserved", regf::STRTAB_BASE_CFG_FMT.get(cfg));
  // §6.3.25: LOG2SIZE is capped at IDR1.SIDSIZE wherever it is used.
  uint64_t capped = cfg;
  regf::STRTAB_BASE_CFG_LOG2SIZE.set(capped, std::min<uint64_t>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(cfg), features_.sidsize));
  strtab_ = std::make_unique<StreamTable>(StreamTable::adopt(rec_, *alloc_, strtab, static_cast<uint32_t>(capped)));
  // The queues where they are, unless re-pointed. CR0 writes keep every other enable as it reads.
  uint64_t cr0 = live_.mmio_read(reg::CR0.offset, 4);
  auto live_queue = [&](const Register& r, unsigned max_log2, unsigned entry) {
    const uint64_t v = live_.mmio_read(r.offset, 8);
    const unsigned log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(v)), max_log2);
    const uint64_t bytes = uint64_t{entry} << log2;
    return Extent{regf::QUEUE_BASE_ADDR.in_place(v) & ~(std::max<uint64_t>(bytes, 32) - 1), bytes};
  };
  cmdq_ = live_queue(reg::CMDQ_BASE, features_.cmdqs, 16);
  eventq_ = live_queue(reg::EVENTQ_BASE, features_.eventqs, 32);
  out.push_back(cr0ack_poll(regf::CR0_SMMUEN, 1));  // a read, no write: SMMUEN stays 1 through the handover
  // A queue kept where it is must have been handed over: otherwise it lies in the new kernel's free memory
  // (it writes commands into it, the SMMU event records).
  auto kept_in_free_memory = [&](const Extent& q) -> std::optional<uint64_t> {
    if (!live_.preserved) return std::nullopt;
    for (uint64_t pa = q.base & ~(kexec::Ownership::kPageSize - 1); pa < q.base + q.size; pa += kexec::Ownership::kPageSize)
      if (!live_.preserved(pa)) return pa;
    return std::nullopt;
  };
  if (op.cmdq() != smmucheck::REPOINT)
    if (auto pa = kept_in_free_memory(cmdq_))
      return fmt::format("adopt: the command queue at {:#x} is in a page that was not preserved ({:#x}): re-point it "
                         "(cmdq: REPOINT)", cmdq_.base, *pa);
  if (op.eventq() != smmucheck::REPOINT)
    if (auto pa = kept_in_free_memory(eventq_))
      return fmt::format("adopt: the event queue at {:#x} is in a page that was not preserved ({:#x}): re-point it "
                         "(eventq: REPOINT)", eventq_.base, *pa);
  if (op.cmdq() == smmucheck::REPOINT) {
    if (auto e = repoint_queue(false, op.cmdq_log2size() ? op.cmdq_log2size() : 6, cr0, out)) return e;
  } else if (!regf::CR0_CMDQEN.get(cr0ack)) {
    return "adopt: the command queue is disabled (CR0ACK.CMDQEN = 0): re-point it (cmdq: REPOINT)";
  }
  if (op.eventq() == smmucheck::REPOINT)
    if (auto e = repoint_queue(true, op.eventq_log2size() ? op.eventq_log2size() : 6, cr0, out)) return e;
  if (!op.no_invalidate())  // what was cached before the kexec is unknown to the new kernel (§4.3.2, §4.4.4.1)
    out.push_back(command_step({command(Opcode::CMD_CFGI_STE_RANGE, {{&cmd::Range, 31}}),
                                command(Opcode::CMD_TLBI_NSNH_ALL), command(Opcode::CMD_SYNC)},
                               "driver adopt: invalidate every configuration and TLB entry"));
  return std::nullopt;
}

}  // namespace smmu::driver
