// The QEMU peer model: memory mirroring, register access, and translation by edu DMA (see qemu_model.h).
#include "harness/qemu/qemu_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "specs/lookup.h"

namespace smmu::qemu {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kPage = harness::SparseMemory::kPageSize;
// The edu buffer: write tags in its first half, read landing slots in its second, 4 bytes each. QEMU 7.2's
// edu refuses (hw_error: QEMU aborts) a transfer that reaches the buffer's last byte (its range check
// wants the end strictly inside), so the last slot stays unused.
constexpr uint32_t kReadHalf = QemuMachine::kEduBufferSize / 2;
constexpr uint32_t kWriteSlots = kReadHalf / 4;
constexpr uint32_t kReadSlots = kReadHalf / 4 - 1;
// QEMU puts the device tree at the start of RAM (at most 1 MiB with -bios): zeroed at start, so that
// QEMU's RAM reads as the harness memory does (zero where never written).
constexpr uint64_t kDtbArea = 2ull << 20;

uint32_t write_tag(uint32_t sid, uint32_t slot) { return 0xD000'0000u | ((sid & 0xfff) << 16) | slot; }
uint32_t read_poison(uint32_t slot) { return 0xEE00'0000u | slot; }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

harness::SparseMemory& as_sparse(Memory& m) {
  auto* s = dynamic_cast<harness::SparseMemory*>(&m);
  if (s == nullptr) throw QtestError("qemu peer: the harness memory must be a SparseMemory");
  return *s;
}

// The value of "key0x..." (or "key:0x...") in a trace line.
std::optional<uint64_t> hex_after(const std::string& line, const char* key) {
  size_t p = line.find(key);
  if (p == std::string::npos) return std::nullopt;
  p += std::strlen(key);
  if (line.compare(p, 2, "0x") != 0) return std::nullopt;
  return std::strtoull(line.c_str() + p + 2, nullptr, 16);
}

}  // namespace

QemuSmmu::QemuSmmu(Memory& memory, const QemuPlan& plan, const QemuPeerOptions& options)
    : memory_(as_sparse(memory)), plan_(plan), options_(options) {
  QemuMachineOptions mo;
  mo.stream_ids = plan_.stream_ids;
  mo.ram_mib = plan_.ram_mib;
  mo.binary = options_.binary;
  mo.share_cpu = options_.share_cpu;
  // QEMU's own account of each translation (log trace backend) and its guest-error log, in one file.
  for (const char* ev : {"smmuv3_translate_*", "smmu_ptw_invalid_pte", "smmu_ptw_page_pte", "smmu_ptw_block_pte",
                         "smmu_iotlb_lookup_hit"})
    mo.extra_args.insert(mo.extra_args.end(), {"-trace", ev});
  mo.extra_args.insert(mo.extra_args.end(), {"-d", "guest_errors", "-D", "{dir}/qemu.log"});
  machine_ = std::make_unique<QemuMachine>(mo);
  trace_path_ = machine_->qtest().dir() + "/qemu.log";
  machine_->fill(QemuMachine::kRamBase, std::min<uint64_t>(kDtbArea, machine_->ram_size() - QemuMachine::kScratchSize), 0);
  const uint32_t offs[] = {reg::IDR0.offset, reg::IDR1.offset, reg::IDR2.offset, reg::IDR3.offset,
                           reg::IDR4.offset, reg::IDR5.offset, reg::IIDR.offset, reg::AIDR.offset};
  uint32_t* dst[] = {&idr_.idr0, &idr_.idr1, &idr_.idr2, &idr_.idr3, &idr_.idr4, &idr_.idr5, &idr_.iidr, &idr_.aidr};
  for (size_t i = 0; i < std::size(offs); ++i) *dst[i] = machine_->smmu_read32(offs[i]);
  features_ = Features::from_idr(idr_);
  for (uint32_t sid : plan_.stream_ids) {
    devices_[sid] = Device{};
    load_tags(sid, true, true);
  }
  reset_event_tracking();
}

QemuSmmu::~QemuSmmu() = default;

Observability QemuSmmu::observability() const {
  Observability o;
  o.pa = true;          // smmuv3_translate_success names it; a write's tag is found there
  o.perms = false;      // QEMU reports only that the access went through
  o.attrs = false;      // QEMU 7.2 computes no memory attributes
  o.recorded = false;   // an unrecorded fault shows only its type (guest-error log or walk trace)
  o.footprint = false;  // no table reads are reported
  return o;
}

bool QemuSmmu::in_ram(uint64_t pa, uint64_t len) const {
  const uint64_t lo = QemuMachine::kRamBase, hi = machine_->scratch_addr();
  return pa >= lo && pa < hi && len <= hi - pa;
}

QemuSmmu::Page& QemuSmmu::shadow_page(uint64_t pfn) {
  auto& p = shadow_[pfn];
  if (!p) {
    p = std::make_unique<Page>();
    std::memset(p->bytes, 0, kPage);
  }
  return *p;
}

void QemuSmmu::shadow_write(uint64_t pa, const uint8_t* data, size_t len) {
  for (size_t i = 0; i < len; ++i) shadow_page((pa + i) / kPage).bytes[(pa + i) % kPage] = data[i];
}

void QemuSmmu::mirror_to_qemu() {
  memory_.for_each_page([&](uint64_t base, const uint8_t* bytes) {
    if (!in_ram(base, kPage)) return;  // plan_qemu_run() refused scenarios that need such memory
    Page& sh = shadow_page(base / kPage);
    if (std::memcmp(sh.bytes, bytes, kPage) == 0) return;
    size_t first = 0, last = kPage - 1;
    while (sh.bytes[first] == bytes[first]) ++first;
    while (sh.bytes[last] == bytes[last]) --last;
    machine_->write(base + first, std::span<const uint8_t>(bytes + first, last - first + 1));
    std::memcpy(sh.bytes + first, bytes + first, last - first + 1);
    ++stats_.pages_mirrored;
  });
}

void QemuSmmu::reset_event_tracking() { eventq_prod_seen_ = machine_->smmu_read32(reg::EVENTQ_PROD.offset); }

void QemuSmmu::collect_events() {
  const uint32_t prod = machine_->smmu_read32(reg::EVENTQ_PROD.offset);
  if (prod == eventq_prod_seen_) return;
  const uint64_t base_reg = machine_->smmu_read64(reg::EVENTQ_BASE.offset);
  const unsigned log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base_reg)),
                                           static_cast<unsigned>(regf::IDR1_EVENTQS.get(idr_.idr1)));
  const uint64_t entries = uint64_t{1} << log2;
  const uint64_t base = regf::QUEUE_BASE_ADDR.in_place(base_reg) & ~(std::max<uint64_t>(entries * 32, 32) - 1);
  const uint32_t mask = static_cast<uint32_t>((entries << 1) - 1);
  const uint32_t written = (prod - eventq_prod_seen_) & mask;
  const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(written, entries));
  for (uint32_t k = 0, i = (prod - n) & mask; k < n; ++k, i = (i + 1) & mask) {
    const uint64_t pa = base + uint64_t{i & (entries - 1)} * 32;
    if (!in_ram(pa, 32)) continue;
    std::vector<uint8_t> rec = machine_->read(pa, 32);
    EventRecord r;
    for (unsigned q = 0; q < 4; ++q) {
      for (unsigned b = 0; b < 8; ++b) r.q[q] |= uint64_t{rec[8 * q + b]} << (8 * b);
      memory_.write(pa + 8 * q, 8, r.q[q]);
    }
    shadow_write(pa, rec.data(), rec.size());
    ++stats_.records_copied;
    if (observer_) observer_->event(r, pa);
  }
  eventq_prod_seen_ = prod;
}

uint64_t QemuSmmu::mmio_read(uint32_t offset, unsigned size) {
  if (size != 1 && size != 2 && size != 4 && size != 8) return 0;
  mirror_to_qemu();
  return machine_->qtest().read(QemuMachine::kSmmuBase + offset, size);
}

void QemuSmmu::mmio_write(uint32_t offset, unsigned size, uint64_t value) {
  if (size != 1 && size != 2 && size != 4 && size != 8) return;
  mirror_to_qemu();  // a CMDQ_PROD write makes QEMU read the commands at once
  machine_->qtest().write(QemuMachine::kSmmuBase + offset, size, value);
  const uint32_t page0 = offset & 0xffff;
  if (page0 == (reg::EVENTQ_PROD.offset & 0xffff) || (offset >= reg::EVENTQ_BASE.offset && offset < reg::EVENTQ_BASE.offset + 8))
    reset_event_tracking();  // software re-pointed the queue: nothing was written
  else
    collect_events();
}

void QemuSmmu::load_tags(uint32_t sid, bool writes, bool reads) {
  std::vector<uint8_t> buf(kReadHalf + 4 * kReadSlots);
  auto put = [&](uint32_t off, uint32_t v) {
    for (int b = 0; b < 4; ++b) buf[off + b] = static_cast<uint8_t>(v >> (8 * b));
  };
  for (uint32_t s = 0; s < kWriteSlots; ++s) put(4 * s, write_tag(sid, s));
  for (uint32_t s = 0; s < kReadSlots; ++s) put(kReadHalf + 4 * s, read_poison(s));
  if (writes && reads)
    machine_->load_buffer(sid, 0, buf);
  else if (writes)
    machine_->load_buffer(sid, 0, std::span<const uint8_t>(buf.data(), kReadHalf));
  else if (reads)
    machine_->load_buffer(sid, kReadHalf, std::span<const uint8_t>(buf.data() + kReadHalf, 4 * kReadSlots));
  ++stats_.buffer_reloads;
  trace_tail();  // the loads' own (bypassed) translations are no part of any transaction
}

// New complete lines of QEMU's log since the last call.
std::string QemuSmmu::trace_tail() {
  if (!trace_.is_open()) {
    trace_.open(trace_path_, std::ios::binary);
    if (!trace_.is_open()) return {};
  }
  trace_.clear();
  std::string out, line;
  std::streampos pos = trace_.tellg();
  while (std::getline(trace_, line)) {
    if (trace_.eof()) break;  // a partial line: read again next time
    out += line;
    out += '\n';
    pos = trace_.tellg();
  }
  trace_.clear();
  trace_.seekg(pos);
  return out;
}

QemuSmmu::TraceView QemuSmmu::read_trace(uint32_t sid, uint64_t addr) {
  TraceView v;
  const auto deadline = Clock::now() + std::chrono::milliseconds(2000);
  bool decided = false;
  std::string text;
  // The log is written before the edu reports completion; wait briefly for a line that QEMU's stdio
  // buffering may still hold.
  for (int round = 0; !decided; ++round) {
    text += trace_tail();
    size_t start = 0;
    v = TraceView{};
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      start = end + 1;
      auto line_sid = hex_after(line, "sid=");
      auto iova = hex_after(line, "iova=");
      if (!iova) iova = hex_after(line, "iova:");
      if (line.rfind("smmuv3_translate_", 0) == 0) {
        if (line_sid != sid || iova != addr) continue;
        if (observer_) observer_->decision("QEMU", line);
        if (line.find("smmuv3_translate_success") == 0) {
          v.status = TraceView::Status::Success;
          v.pa = hex_after(line, "translated=").value_or(0);
        } else if (line.find("smmuv3_translate_bypass") == 0) {
          v.status = TraceView::Status::Bypass, v.pa = addr;
        } else if (line.find("smmuv3_translate_disable") == 0) {
          v.status = TraceView::Status::Disabled, v.pa = addr;
        } else if (line.find("smmuv3_translate_abort") == 0) {
          v.status = TraceView::Status::Abort;
        }
        decided = true;
      } else if (line.find("translation failed for iova=") != std::string::npos) {
        if (observer_) observer_->decision("QEMU", line);
        v.failed = true;
        decided = true;
        size_t lp = line.rfind('('), rp = line.rfind(')');
        if (lp != std::string::npos && rp != std::string::npos && rp > lp) {
          std::string name = line.substr(lp + 1, rp - lp - 1);
          if (name.rfind("SMMU_EVT_", 0) == 0) name = name.substr(9);
          if (auto t = event_type_by_name(name)) v.failed_type = *t;
        }
      } else if (line.rfind("smmu_ptw_invalid_pte", 0) == 0) {
        v.invalid_pte = true;
        if (observer_) observer_->decision("QEMU", line);
      } else if (line.rfind("smmu_ptw_page_pte", 0) == 0 || line.rfind("smmu_ptw_block_pte", 0) == 0) {
        v.leaf_pte = true;
        if (observer_) observer_->decision("QEMU", line);
      } else if (line.rfind("smmu_iotlb_lookup_hit", 0) == 0) {
        v.iotlb_hit = true;
      } else if (observer_ && !line.empty()) {
        observer_->decision("QEMU", line);  // other guest errors: "Cannot fetch pte at address=...", ...
      }
    }
    if (decided) break;
    if (Clock::now() > deadline)
      throw QtestError("qemu peer: QEMU logged no translation of StreamID " + hex(sid) + " IOVA " + hex(addr) +
                       " (is the log trace backend built in?); log: " + text.substr(text.size() > 600 ? text.size() - 600 : 0));
    std::this_thread::sleep_for(std::chrono::microseconds(round < 10 ? 50 : 1000));
  }
  return v;
}

Outcome QemuSmmu::translate(const Transaction& t, WalkObserver* observer) {
  WalkObserver* saved = observer_;
  if (observer) observer_ = observer;
  struct Restore {
    WalkObserver*& o;
    WalkObserver* v;
    ~Restore() { o = v; }
  } restore{observer_, saved};

  if (t.ssid) throw QtestError("qemu peer: the edu device issues no SubstreamID");
  if (t.instr) throw QtestError("qemu peer: the edu device issues no instruction fetch");
  if (t.priv) throw QtestError("qemu peer: the edu device's accesses are unprivileged");
  auto dev = devices_.find(t.sid);
  if (dev == devices_.end())
    throw QtestError("qemu peer: no edu device has StreamID " + hex(t.sid) + " (the scenario was not prepared)");
  ++stats_.translations;
  mirror_to_qemu();
  collect_events();
  trace_tail();  // drop what came before

  const uint32_t len = static_cast<uint32_t>(std::min<uint64_t>(4, kPage - (t.addr % kPage)));
  uint32_t buffer_offset = 0;
  if (t.read) {
    if (dev->second.read_slot == kReadSlots) {
      load_tags(t.sid, false, true);
      dev->second.read_slot = 0;
    }
    buffer_offset = kReadHalf + 4 * dev->second.read_slot++;
    machine_->dma(t.sid, t.addr, len, true, buffer_offset);
  } else {
    const uint32_t slot = dev->second.write_slot;
    dev->second.write_slot = (slot + 1) % kWriteSlots;
    buffer_offset = 4 * slot;
    machine_->dma(t.sid, t.addr, len, false, buffer_offset);
  }
  const TraceView v = read_trace(t.sid, t.addr);
  const uint32_t prod_before = eventq_prod_seen_;
  const uint64_t copied_before = stats_.records_copied;
  collect_events();

  Outcome o;
  switch (v.status) {
    case TraceView::Status::Success:
    case TraceView::Status::Bypass:
    case TraceView::Status::Disabled: {
      o.kind = OutcomeKind::Success;
      o.pa = v.pa;
      if (!in_ram(o.pa, len)) break;  // a divergence the checker reports; nothing to verify or restore
      std::vector<uint8_t> before(len);
      for (uint32_t i = 0; i < len; ++i) before[i] = shadow_page((o.pa + i) / kPage).bytes[(o.pa + i) % kPage];
      if (!t.read) {
        std::vector<uint8_t> landed = machine_->read(o.pa, len);
        machine_->write(o.pa, before);  // QEMU's RAM keeps the harness memory's contents
        const uint32_t tag = write_tag(t.sid, buffer_offset / 4);
        for (uint32_t i = 0; i < len; ++i)
          if (options_.verify_data && landed[i] != static_cast<uint8_t>(tag >> (8 * i)))
            throw QtestError("qemu peer: QEMU translated StreamID " + hex(t.sid) + " IOVA " + hex(t.addr) + " to " +
                             hex(o.pa) + " but the written tag is not there");
      } else if (options_.verify_data) {
        std::vector<uint8_t> got = machine_->read_buffer(t.sid, buffer_offset, len);
        trace_tail();
        if (got != before)
          throw QtestError("qemu peer: QEMU translated StreamID " + hex(t.sid) + " IOVA " + hex(t.addr) + " to " +
                           hex(o.pa) + " but the data read is not that memory's");
      }
      break;
    }
    case TraceView::Status::Abort:
      o.kind = OutcomeKind::Terminated;
      break;
    case TraceView::Status::None: {
      o.kind = OutcomeKind::Fault;
      if (stats_.records_copied > copied_before) {
        // QEMU records one event per 4-byte beat and this DMA has one beat: its record is the first written.
        const uint64_t base_reg = machine_->smmu_read64(reg::EVENTQ_BASE.offset);
        const unsigned log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base_reg)),
                                                 static_cast<unsigned>(regf::IDR1_EVENTQS.get(idr_.idr1)));
        const uint64_t entries = uint64_t{1} << log2;
        const uint64_t base = regf::QUEUE_BASE_ADDR.in_place(base_reg) & ~(std::max<uint64_t>(entries * 32, 32) - 1);
        const uint64_t pa = base + uint64_t{prod_before & (entries - 1)} * 32;
        EventRecord r;
        for (unsigned q = 0; q < 4; ++q) r.q[q] = memory_.peek64(pa + 8 * q);
        o.event = r;
        o.recorded = true;
      } else {
        // Nothing reached the queue: the type QEMU would have recorded, or the one its walk implies.
        uint8_t type = v.failed_type ? *v.failed_type
                       : (v.leaf_pte || (v.iotlb_hit && !v.invalid_pte))
                           ? static_cast<uint8_t>(EventType::F_PERMISSION)
                           : static_cast<uint8_t>(EventType::F_TRANSLATION);
        EventRecord r;
        r.set(event::EVENT_TYPE, type).set(event::StreamID, t.sid).set(event::InputAddr, t.addr).set(event::RnW, t.read);
        o.event = r;
        o.recorded = false;
      }
      break;
    }
  }
  return o;
}

const IdRegs& qemu_id_regs(const std::string& binary) {
  static std::mutex mu;
  static std::map<std::string, IdRegs> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(binary);
  if (it != cache.end()) return it->second;
  QemuMachineOptions mo;
  mo.binary = binary;
  mo.ram_mib = 64;
  QemuMachine m(mo);
  IdRegs r;
  r.idr0 = m.smmu_read32(reg::IDR0.offset), r.idr1 = m.smmu_read32(reg::IDR1.offset);
  r.idr2 = m.smmu_read32(reg::IDR2.offset), r.idr3 = m.smmu_read32(reg::IDR3.offset);
  r.idr4 = m.smmu_read32(reg::IDR4.offset), r.idr5 = m.smmu_read32(reg::IDR5.offset);
  r.iidr = m.smmu_read32(reg::IIDR.offset), r.aidr = m.smmu_read32(reg::AIDR.offset);
  return cache.emplace(binary, r).first->second;
}

harness::ModelSpec qemu_model_spec(const QemuPeerOptions& options) {
  auto plan = std::make_shared<QemuPlan>();
  harness::ModelSpec m;
  m.name = "qemu";
  m.make = [plan, options](const Features&, Memory& mem) -> std::unique_ptr<SmmuModel> {
    return std::make_unique<QemuSmmu>(mem, *plan, options);
  };
  m.prepare = [plan, options](harness::LoadedScenario& s) -> std::optional<std::string> {
    auto p = plan_qemu_run(s, qemu_id_regs(options.binary));
    if (auto* why = std::get_if<std::string>(&p)) return *why;
    *plan = std::get<QemuPlan>(p);
    return std::nullopt;
  };
  return m;
}

}  // namespace smmu::qemu
