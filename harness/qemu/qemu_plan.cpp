// Which scenarios the QEMU peer can run, and the machine each needs (qemu_model.h, plan_qemu_run).
//
// A scenario runs on QEMU when:
//  - its DMA steps name StreamIDs an edu device can have (QemuMachine::unsupported_stream_id), without a
//    SubstreamID, an instruction fetch or a privileged access (the edu issues plain unprivileged data
//    accesses), and it has no kexec step;
//  - its results on the reference do not depend on the features QEMU lacks: the reference runs it with the
//    features it asks for and with QEMU's; when the observations are the same (ID register reads without
//    an expectation aside), the scenario runs with QEMU's features on every model, otherwise it is refused
//    with the first step that differs and the features that differ;
//  - every physical address the reference touches (memory the scenario and driver write, table reads,
//    event records, MSIs, output addresses, memory reads) lies in RAM that QEMU can have from 0x40000000
//    (the machine gets just enough: a large -m costs nothing until touched), and every abort range lies
//    where QEMU's accesses fail: above that RAM, in physical space the virt machine leaves unassigned.
#include <algorithm>
#include <cstdio>
#include <set>

#include "harness/check/compare.h"
#include "harness/qemu/qemu_model.h"
#include "harness/scenario/describe.h"

namespace smmu::qemu {

namespace {

constexpr uint64_t kRamBase = QemuMachine::kRamBase;
constexpr uint64_t kMaxRam = 8ull << 30;           // the most RAM the peer gives QEMU
constexpr uint64_t kHighIo = 0x40'0000'0000;       // virt: high redistributors, ECAM, PCI MMIO from 256 GiB ...
constexpr uint64_t kHighIoEnd = 0x100'0000'0000;   // ... to 1 TiB
constexpr uint64_t kOasLimit = 1ull << 44;
constexpr uint64_t kMiB = 1ull << 20;
constexpr unsigned kIommuVaBits = 48;              // QEMU 7.2: SMMU_MAX_VA_BITS, the size of its IOMMU region

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Every physical range the reference's walks, records and MSIs touch.
class AddressCollector final : public WalkObserver {
 public:
  void table_read(const TableRead& r) override {
    if (r.value) ranges.push_back({r.pa, 8});
  }
  void event(const EventRecord&, std::optional<uint64_t> pa) override {
    if (pa) ranges.push_back({*pa, 32});
  }
  void msi(uint64_t pa, uint32_t, bool ok) override {
    if (ok) ranges.push_back({pa, 4});
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // (base, length)
};

struct DryRun {
  std::vector<harness::StepObservation> obs;
  std::optional<std::string> error;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
};

DryRun dry_run(const harness::LoadedScenario& s, bool collect) {
  DryRun d;
  AddressCollector addrs;
  harness::ScenarioRun run(s, harness::reference_factory(), collect ? &addrs : nullptr);
  for (int i = 0; i < s.msg.step_size(); ++i) {
    auto r = run.run_step(i);
    if (auto* err = std::get_if<std::string>(&r)) {
      d.error = "step " + std::to_string(i) + ": " + *err;
      break;
    }
    d.obs.push_back(std::move(std::get<harness::StepObservation>(r)));
  }
  if (!collect) return d;
  d.ranges = std::move(addrs.ranges);
  run.memory().for_each_page([&](uint64_t base, const uint8_t*) { d.ranges.push_back({base, harness::SparseMemory::kPageSize}); });
  for (size_t i = 0; i < d.obs.size(); ++i) {
    const auto& o = d.obs[i];
    if (o.dma && o.dma->kind == OutcomeKind::Success) d.ranges.push_back({o.dma->pa, 4 - (o.dma->pa & 3)});
    const auto& step = s.msg.step(int(i));
    if (step.has_mem_read()) d.ranges.push_back({step.mem_read().addr(), step.mem_read().size() == 4 ? 4u : 8u});
  }
  return d;
}

bool is_id_register(uint32_t offset) { return offset < reg::CR0.offset; }

// The first step whose observations differ between two reference runs, described; nullopt when none.
std::optional<std::string> first_difference(const harness::LoadedScenario& s, const DryRun& a, const DryRun& b) {
  if (a.error.has_value() != b.error.has_value()) return "the run " + std::string(a.error ? "fails" : "succeeds") +
                                                           " with the scenario's features and " +
                                                           (b.error ? "fails: " + *b.error : std::string("succeeds"));
  for (size_t i = 0; i < a.obs.size() && i < b.obs.size(); ++i) {
    const auto& x = a.obs[i];
    const auto& y = b.obs[i];
    const auto& step = s.msg.step(int(i));
    std::string what;
    if (x.dma && y.dma && !harness::same_dma(*x.dma, *y.dma)) what = "the DMA result";
    else if (!harness::compare_events(x.events, y.events).empty()) what = "the event records";
    else if (x.mem_value != y.mem_value) what = "the memory read";
    else if (x.cmdq_cons != y.cmdq_cons) what = "CMDQ_CONS";
    else if (x.gerror != y.gerror || x.gerrorn != y.gerrorn) what = "GERROR";
    else if (x.mmio_value != y.mmio_value) {
      const auto acc = harness::mmio_access(step.mmio_read());
      const bool checked = step.mmio_read().has_expect_value() || step.mmio_read().expect_field_size() > 0;
      if (!is_id_register(acc.offset) || checked) what = "the register read";
    }
    if (!what.empty())
      return what + " of step " + std::to_string(i) + " (line " + std::to_string(s.step_line[i]) + ": " +
             harness::describe_step(step) + ")";
  }
  return std::nullopt;
}

// The ID register fields in which two feature sets differ: "IDR0.S2P 1->0, ...".
std::string feature_difference(const Features& want, const Features& have) {
  const IdRegs a = want.to_idr(), b = have.to_idr();
  std::string out;
  auto reg_of = [&](const IdRegs& r, std::string_view name) -> uint32_t {
    if (name.starts_with("IDR0.")) return r.idr0;
    if (name.starts_with("IDR1.")) return r.idr1;
    if (name.starts_with("IDR3.")) return r.idr3;
    if (name.starts_with("IDR5.")) return r.idr5;
    if (name.starts_with("AIDR.")) return r.aidr;
    return 0;
  };
  for (const Field& f : regf::kFields) {
    std::string_view n = f.name;
    if (!(n.starts_with("IDR0.") || n.starts_with("IDR1.") || n.starts_with("IDR3.") || n.starts_with("IDR5.") ||
          n.starts_with("AIDR.")))
      continue;
    const uint64_t x = f.get(reg_of(a, n)), y = f.get(reg_of(b, n));
    if (x != y) out += (out.empty() ? "" : ", ") + std::string(n) + " " + std::to_string(x) + "->" + std::to_string(y);
  }
  return out.empty() ? "none" : out;
}

}  // namespace

std::variant<QemuPlan, std::string> plan_qemu_run(harness::LoadedScenario& s, const IdRegs& qemu) {
  // What the edu device can issue, and what QEMU 7.2's SMMU implements at all.
  std::set<uint32_t> sids;
  for (int i = 0; i < s.msg.step_size(); ++i) {
    const auto& st = s.msg.step(i);
    const std::string at = "step " + std::to_string(i) + " (line " + std::to_string(s.step_line[size_t(i)]) + ")";
    if (st.has_kexec() || st.has_owner() || st.has_preserved_stream() ||
        (st.has_driver() && (st.driver().has_preserve() || st.driver().has_adopt())))
      return at + ": a live-update step (kexec, owner, preserve, adopt: the kexec simulator is not run on QEMU)";
    if (st.has_dma()) {
      const auto& d = st.dma();
      if (auto why = QemuMachine::unsupported_stream_id(d.sid())) return at + ": " + *why;
      if (d.has_ssid()) return at + ": a DMA with a SubstreamID: the edu device issues none (and QEMU 7.2 implements no SubstreamIDs)";
      if (d.access() == smmucheck::INSTR) return at + ": an instruction fetch: the edu device issues only data accesses";
      if (d.priv()) return at + ": a privileged access: the edu device's DMA is unprivileged";
      if (d.addr() >> kIommuVaBits)
        return at + ": IOVA " + hex(d.addr()) + " has bits above bit 47: QEMU 7.2's IOMMU region spans 2^48 bytes, so "
                    "the access is rejected before it reaches the SMMU (TBI and TTB1 ranges cannot be expressed)";
      sids.insert(d.sid());
    }
    if (st.has_driver()) {
      const auto& dr = st.driver();
      if (dr.has_domain() && dr.domain().stage() != smmucheck::STAGE1)
        return at + ": a stage-2 or nested domain: QEMU 7.2 implements stage 1 only (IDR0.S2P = 0)";
      if (dr.has_attach() && dr.attach().has_ssid())
        return at + ": an attachment by PASID: QEMU 7.2 implements no SubstreamIDs (IDR1.SSIDSIZE = 0)";
    }
  }

  // The features: QEMU's own, when the reference's results do not depend on the difference.
  const Features have = Features::from_idr(qemu);
  DryRun used;
  if (!(s.features == have)) {
    const DryRun asked = dry_run(s, false);
    harness::LoadedScenario narrowed = s;
    narrowed.features = have;
    used = dry_run(narrowed, true);
    if (auto diff = first_difference(s, asked, used))
      return "its results on the reference depend on features QEMU lacks or has in addition (" +
             feature_difference(s.features, have) + "): " + *diff;
    s.features = have;
  } else {
    used = dry_run(s, true);
  }

  // Addresses: RAM from 0x40000000 up to what the scenario touches; abort ranges above it, unassigned.
  auto in_abort = [&](uint64_t base, uint64_t len) {
    for (const auto& r : s.msg.abort())
      if (base >= r.base() && base - r.base() + len <= r.size()) return true;
    return false;
  };
  uint64_t top = kRamBase;
  for (const auto& [base, len] : used.ranges) {
    if (in_abort(base, len)) continue;
    if (base < kRamBase || base + len > kRamBase + kMaxRam - QemuMachine::kScratchSize || base + len < base)
      return "physical address " + hex(base) + " lies outside the RAM QEMU can have (" + hex(kRamBase) + "-" +
             hex(kRamBase + kMaxRam - QemuMachine::kScratchSize) + "): below it is the virt machine's device space";
    top = std::max(top, base + len);
  }
  uint64_t ram = (top - kRamBase + QemuMachine::kScratchSize + kMiB - 1) & ~(kMiB - 1);
  uint64_t lowest_abort = ~0ull;
  for (const auto& r : s.msg.abort()) lowest_abort = std::min(lowest_abort, r.base());
  ram = std::max<uint64_t>(ram, std::min<uint64_t>(128 * kMiB, lowest_abort > kRamBase ? (lowest_abort - kRamBase) & ~(kMiB - 1) : 0));
  ram = std::max<uint64_t>(ram, 16 * kMiB);
  for (const auto& r : s.msg.abort()) {
    const uint64_t b = r.base(), e = r.base() + r.size();
    const bool unassigned = b >= kRamBase + ram && ((e <= kHighIo) || (b >= kHighIoEnd && e <= kOasLimit));
    if (!unassigned)
      return "abort range " + hex(b) + "-" + hex(e) + " cannot abort on QEMU: its accesses there reach " +
             (b < kRamBase ? std::string("the virt machine's flash or devices") : std::string("RAM the scenario needs up to ") + hex(kRamBase + ram)) +
             " (an abort range must lie above QEMU's RAM, in unassigned physical space)";
  }
  // PCI enumerates a slot's other functions only when function 0 exists: give each slot one.
  for (uint32_t sid : std::set<uint32_t>(sids))
    if ((sid & 7) != 0) sids.insert(sid & ~7u);
  QemuPlan plan;
  plan.stream_ids.assign(sids.begin(), sids.end());
  if (plan.stream_ids.empty()) plan.stream_ids = {0x0008};
  plan.ram_mib = static_cast<uint32_t>(ram / kMiB);
  return plan;
}

}  // namespace smmu::qemu
