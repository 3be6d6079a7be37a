// The QEMU machine: its command line, PCI enumeration, SMMU and memory access, and edu DMA.
#include "harness/qemu/machine.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

namespace smmu::qemu {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string bdf(uint8_t bus, uint8_t devfn) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x:%02x.%x", bus, devfn >> 3, devfn & 7);
  return buf;
}

std::string slot_fn(uint8_t devfn) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%x.%x", devfn >> 3, devfn & 7);
  return buf;
}

// PCI configuration space (type 0 and type 1 headers).
constexpr uint32_t kCfgId = 0x00;          // vendor ID [15:0], device ID [31:16]
constexpr uint32_t kCfgCommand = 0x04;     // 16 bits
constexpr uint32_t kCfgBar0 = 0x10;
constexpr uint32_t kCfgBusNumbers = 0x18;  // primary, secondary, subordinate, secondary latency
constexpr uint32_t kCfgIoBaseLimit = 0x1c;  // 8-bit I/O base, 8-bit I/O limit
constexpr uint32_t kCfgMemBaseLimit = 0x20;   // 16-bit memory base, 16-bit memory limit
constexpr uint32_t kCfgPrefBaseLimit = 0x24;  // 16-bit prefetchable base, 16-bit limit
constexpr uint16_t kCommandMemory = 1u << 1;
constexpr uint16_t kCommandBusMaster = 1u << 2;
constexpr uint32_t kEduId = 0x11e8'1234;       // device 0x11e8, vendor 0x1234 (QEMU)
constexpr uint32_t kRootPortId = 0x000c'1b36;  // device 0x000c, vendor 0x1b36 (Red Hat)

// The edu's registers (BAR0 offsets; QEMU hw/misc/edu.c).
constexpr uint64_t kEduIdent = 0x00;  // reads 0x010000ed
constexpr uint64_t kEduDmaSrc = 0x80;
constexpr uint64_t kEduDmaDst = 0x88;
constexpr uint64_t kEduDmaCount = 0x90;
constexpr uint64_t kEduDmaCmd = 0x98;
constexpr uint64_t kEduCmdRun = 1u << 0;
constexpr uint64_t kEduCmdToRam = 1u << 1;  // direction: 0 = RAM to the buffer, 1 = buffer to RAM

constexpr uint64_t kMiB = 1ull << 20;

}  // namespace

std::optional<std::string> QemuMachine::unavailable_reason(const std::string& binary) {
  if (Qtest::find_binary(binary)) return std::nullopt;
  return "'" + binary + "' is not installed (apt-get install qemu-system-arm)";
}

std::optional<std::string> QemuMachine::unsupported_stream_id(uint32_t sid) {
  if (sid > 0xffff) return "StreamID " + hex(sid) + " is wider than a PCI requester ID (16 bits)";
  uint8_t bus = static_cast<uint8_t>(sid >> 8), devfn = static_cast<uint8_t>(sid);
  if (bus == 0 && devfn < 8)
    return "StreamID " + hex(sid) + " is bus 0 slot 0, the host bridge's (bus 0 offers devfn 0x08-0xff)";
  if (bus != 0 && devfn >= 8)
    return "StreamID " + hex(sid) + " needs slot " + std::to_string(devfn >> 3) + " on bus " +
           std::to_string(bus) + ", but behind a root port only slot 0 (devfn 0-7) is reachable";
  return std::nullopt;
}

std::vector<uint8_t> QemuMachine::parking_firmware() {
  const uint32_t words[] = {0xd503'207f /* wfi */, 0x17ff'ffff /* b .-4 */};
  std::vector<uint8_t> out;
  for (uint32_t w : words)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(w >> (8 * i)));
  return out;
}

QemuMachine::QemuMachine(QemuMachineOptions options) : options_(std::move(options)) {
  auto t0 = Clock::now();
  if (options_.stream_ids.empty()) throw QtestError("qemu: a machine needs at least one StreamID");
  if (options_.ram_mib < 16) throw QtestError("qemu: ram_mib must be at least 16");
  std::set<uint32_t> seen;
  for (uint32_t sid : options_.stream_ids) {
    if (auto why = unsupported_stream_id(sid)) throw QtestError("qemu: " + *why);
    if (!seen.insert(sid).second) throw QtestError("qemu: StreamID " + hex(sid) + " requested twice");
  }

  QtestOptions q;
  q.binary = options_.binary;
  q.timeout = options_.timeout;
  q.die_with_creating_thread = options_.die_with_creating_thread;
  q.files.emplace_back("park.bin", parking_firmware());
  q.args = {"-machine", "virt,iommu=smmuv3", "-cpu",  "cortex-a57", "-m", std::to_string(options_.ram_mib) + "M",
            "-display", "none", "-nodefaults", "-no-reboot", "-bios", "{dir}/park.bin",
            "-icount", "shift=0,sleep=off"};
  for (auto& a : device_args()) q.args.push_back(std::move(a));
  for (const auto& a : options_.extra_args) q.args.push_back(a);

  if (options_.share_cpu) {
    int cpu = ::sched_getcpu();
    cpu_set_t mine, one;
    if (cpu >= 0 && ::sched_getaffinity(0, sizeof mine, &mine) == 0) {
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (::sched_setaffinity(0, sizeof one, &one) == 0) {
        saved_affinity_ = mine;
        q.cpu = cpu;
      }
    }
  }
  try {
    auto t_spawn = Clock::now();
    q_ = std::make_unique<Qtest>(std::move(q));
    spawn_ms_ = ms_since(t_spawn);
    enumerate();
  } catch (...) {
    q_.reset();
    if (saved_affinity_) ::sched_setaffinity(0, sizeof *saved_affinity_, &*saved_affinity_);
    throw;
  }
  for (const auto& d : devs_) devices_.push_back(d.info);
  setup_ms_ = ms_since(t0);
}

QemuMachine::~QemuMachine() {
  q_.reset();
  if (saved_affinity_) ::sched_setaffinity(0, sizeof *saved_affinity_, &*saved_affinity_);
}

std::vector<uint32_t> QemuMachine::stream_ids() const {
  std::vector<uint32_t> out;
  for (const auto& d : devs_) out.push_back(d.info.stream_id);
  return out;
}

QemuMachine::Device* QemuMachine::find(uint32_t sid) {
  for (auto& d : devs_)
    if (d.info.stream_id == sid) return &d;
  return nullptr;
}

const QemuMachine::Device* QemuMachine::find(uint32_t sid) const {
  for (const auto& d : devs_)
    if (d.info.stream_id == sid) return &d;
  return nullptr;
}

// The -device arguments: bus-0 edus first, then one root port per other bus with its edus.
std::vector<std::string> QemuMachine::device_args() {
  const std::string edu = "edu,dma_mask=0xffffffffffffffff";
  std::vector<std::string> args;
  std::set<uint8_t> used_slots = {0};  // the host bridge
  std::set<uint8_t> buses;
  for (uint32_t sid : options_.stream_ids) {
    if ((sid >> 8) == 0)
      used_slots.insert(static_cast<uint8_t>((sid & 0xff) >> 3));
    else
      buses.insert(static_cast<uint8_t>(sid >> 8));
  }
  // Function 0 of a slot is made multi-function, so the other functions may exist beside it.
  auto edu_arg = [&](uint8_t devfn, const std::string& bus) {
    std::string a = edu + ",addr=" + slot_fn(devfn);
    if (!bus.empty()) a += ",bus=" + bus;
    if ((devfn & 7) == 0) a += ",multifunction=on";
    return a;
  };
  for (uint32_t sid : options_.stream_ids) {
    if ((sid >> 8) != 0) continue;
    devs_.push_back({{sid, 0, static_cast<uint8_t>(sid), -1, 0}});
    args.insert(args.end(), {"-device", edu_arg(static_cast<uint8_t>(sid), "")});
  }
  int slot = 0x1f;
  unsigned chassis = 1;
  for (uint8_t bus : buses) {
    while (slot > 0 && used_slots.count(static_cast<uint8_t>(slot))) --slot;
    if (slot <= 0)
      throw QtestError("qemu: no free bus-0 slot left for the root port of bus " + std::to_string(bus));
    uint8_t rp_devfn = static_cast<uint8_t>(slot << 3);
    used_slots.insert(static_cast<uint8_t>(slot));
    root_ports_.push_back({rp_devfn, bus});
    std::string id = "smmucheck_rp" + std::to_string(bus);
    args.insert(args.end(), {"-device", "pcie-root-port,id=" + id + ",bus=pcie.0,addr=" + slot_fn(rp_devfn) +
                                            ",chassis=" + std::to_string(chassis++)});
    for (uint32_t sid : options_.stream_ids) {
      if ((sid >> 8) != bus) continue;
      devs_.push_back({{sid, bus, static_cast<uint8_t>(sid), rp_devfn, 0}});
      args.insert(args.end(), {"-device", edu_arg(static_cast<uint8_t>(sid), id)});
    }
  }
  return args;
}

void QemuMachine::enumerate() {
  Qtest& q = *q_;
  // Bus numbers first, so the devices behind the root ports answer configuration cycles.
  for (const RootPort& rp : root_ports_) {
    uint32_t id = q.readl(ecam(0, rp.devfn, kCfgId));
    if (id != kRootPortId)
      throw QtestError("qemu: no root port at " + bdf(0, rp.devfn) + " (ID " + hex(id) + ")");
    q.writel(ecam(0, rp.devfn, kCfgBusNumbers), (uint32_t{rp.bus} << 16) | (uint32_t{rp.bus} << 8) | 0);
  }
  uint64_t next = kPciMmioBase;
  auto assign_bar = [&](Device& d) {
    const EduDevice& e = d.info;
    uint32_t id = q.readl(ecam(e.bus, e.devfn, kCfgId));
    if (id != kEduId)
      throw QtestError("qemu: no edu device at " + bdf(e.bus, e.devfn) + " for StreamID " + hex(e.stream_id) +
                       " (ID " + hex(id) + ")");
    q.writel(ecam(e.bus, e.devfn, kCfgBar0), 0xffff'ffff);
    uint32_t probe = q.readl(ecam(e.bus, e.devfn, kCfgBar0));
    if ((probe & 0x7) != 0)  // memory space, 32-bit, non-prefetchable
      throw QtestError("qemu: unexpected edu BAR0 type at " + bdf(e.bus, e.devfn) + ": " + hex(probe));
    uint64_t size = uint64_t{~(probe & ~0xfu)} + 1;
    next = (next + size - 1) & ~(size - 1);
    if (next + size > kPciMmioEnd) throw QtestError("qemu: the PCI memory window is full");
    q.writel(ecam(e.bus, e.devfn, kCfgBar0), static_cast<uint32_t>(next));
    q.writew(ecam(e.bus, e.devfn, kCfgCommand), kCommandMemory | kCommandBusMaster);
    d.info.bar0 = next;
    next += size;
  };
  for (Device& d : devs_)
    if (d.info.bus == 0) assign_bar(d);
  for (const RootPort& rp : root_ports_) {
    next = (next + kMiB - 1) & ~(kMiB - 1);  // bridge windows have 1 MiB granularity
    uint64_t base = next;
    for (Device& d : devs_)
      if (d.info.bus == rp.bus) assign_bar(d);
    uint64_t limit = std::max(next, base + kMiB) - 1;
    next = limit + 1;
    q.writel(ecam(0, rp.devfn, kCfgMemBaseLimit),
             static_cast<uint32_t>(((base >> 16) & 0xfff0) | (((limit >> 16) & 0xfff0) << 16)));
    q.writel(ecam(0, rp.devfn, kCfgPrefBaseLimit), 0x0000'fff0);  // prefetchable window: closed
    q.writew(ecam(0, rp.devfn, kCfgIoBaseLimit), 0x00f0);         // I/O window: closed
    q.writew(ecam(0, rp.devfn, kCfgCommand), kCommandMemory | kCommandBusMaster);
  }
  for (const Device& d : devs_) {
    uint32_t ident = q.readl(d.info.bar0 + kEduIdent);
    if ((ident & 0xff) != 0xed)
      throw QtestError("qemu: the edu at " + bdf(d.info.bus, d.info.devfn) + " does not answer at BAR0 " +
                       hex(d.info.bar0) + " (read " + hex(ident) + ")");
  }
}

void QemuMachine::smmu_write(const Register& r, uint64_t v) {
  if (r.bits == 64)
    smmu_write64(r.offset, v);
  else
    smmu_write32(r.offset, static_cast<uint32_t>(v));
}

void QemuMachine::start_dma(Device& d, uint64_t src, uint64_t dst, uint64_t len, uint64_t cmd) {
  Qtest& q = *q_;
  uint64_t bar = d.info.bar0;
  // The registers keep their values between transfers; rewrite only what changed.
  if (d.src != src) q.writeq(bar + kEduDmaSrc, d.src = src);
  if (d.dst != dst) q.writeq(bar + kEduDmaDst, d.dst = dst);
  if (d.cnt != len) q.writeq(bar + kEduDmaCount, d.cnt = len);
  q.writeq(bar + kEduDmaCmd, cmd);
  auto deadline = Clock::now() + options_.timeout;
  ++dma_count_;
  for (unsigned poll = 0;; ++poll) {
    ++dma_polls_;
    if ((q.readq(bar + kEduDmaCmd) & kEduCmdRun) == 0) return;
    // The transfer runs when QEMU's vCPU thread lets the virtual clock warp to the edu's timer; polling
    // back-to-back keeps QEMU's main loop (and its big lock) busy and delays that, so back off.
    std::this_thread::sleep_for(std::chrono::microseconds(std::min(10u << std::min(poll, 6u), 500u)));
    if (Clock::now() > deadline)
      throw QtestError("qemu: the DMA of StreamID " + hex(d.info.stream_id) + " did not complete within " +
                       std::to_string(options_.timeout.count()) + " ms");
  }
}

void QemuMachine::dma(uint32_t sid, uint64_t device_addr, uint32_t len, bool to_device, uint32_t buffer_offset) {
  Device* d = find(sid);
  if (d == nullptr) throw QtestError("qemu: no edu device with StreamID " + hex(sid));
  if (len == 0 || buffer_offset >= kEduBufferSize || len > kEduBufferSize - buffer_offset)
    throw QtestError("qemu: DMA of " + std::to_string(len) + " bytes at buffer offset " +
                     std::to_string(buffer_offset) + " leaves the edu's 4 KiB buffer");
  uint64_t buf = kEduBuffer + buffer_offset;
  if (to_device)
    start_dma(*d, device_addr, buf, len, kEduCmdRun);
  else
    start_dma(*d, buf, device_addr, len, kEduCmdRun | kEduCmdToRam);
}

template <typename Fn>
void QemuMachine::with_smmu_bypassed(Fn&& fn) {
  const uint32_t cr0 = smmu_read32(reg::CR0.offset);
  const uint32_t gbpa = smmu_read32(reg::GBPA.offset);  // RAZ/WI in QEMU 7.2
  const bool enabled = regf::CR0_SMMUEN.get(cr0) != 0;
  const bool gbpa_abort = regf::GBPA_ABORT.get(gbpa) != 0;
  if (enabled) {
    uint64_t v = cr0;
    regf::CR0_SMMUEN.set(v, 0);
    smmu_write32(reg::CR0.offset, static_cast<uint32_t>(v));
  }
  if (gbpa_abort) {
    uint64_t v = gbpa;
    regf::GBPA_ABORT.set(v, 0);
    regf::GBPA_Update.set(v, 1);
    smmu_write32(reg::GBPA.offset, static_cast<uint32_t>(v));
  }
  try {
    fn();
  } catch (...) {
    if (enabled) smmu_write32(reg::CR0.offset, cr0);
    throw;
  }
  if (gbpa_abort) {
    uint64_t v = gbpa;
    regf::GBPA_Update.set(v, 1);
    smmu_write32(reg::GBPA.offset, static_cast<uint32_t>(v));
  }
  if (enabled) smmu_write32(reg::CR0.offset, cr0);
}

void QemuMachine::load_buffer(uint32_t sid, uint32_t offset, std::span<const uint8_t> data) {
  Device* d = find(sid);
  if (d == nullptr) throw QtestError("qemu: no edu device with StreamID " + hex(sid));
  if (data.empty()) return;
  if (offset >= kEduBufferSize || data.size() > kEduBufferSize - offset)
    throw QtestError("qemu: load_buffer leaves the edu's 4 KiB buffer");
  write(scratch_addr(), data);
  with_smmu_bypassed([&] { start_dma(*d, scratch_addr(), kEduBuffer + offset, data.size(), kEduCmdRun); });
}

std::vector<uint8_t> QemuMachine::read_buffer(uint32_t sid, uint32_t offset, uint32_t len) {
  Device* d = find(sid);
  if (d == nullptr) throw QtestError("qemu: no edu device with StreamID " + hex(sid));
  if (len == 0) return {};
  if (offset >= kEduBufferSize || len > kEduBufferSize - offset)
    throw QtestError("qemu: read_buffer leaves the edu's 4 KiB buffer");
  with_smmu_bypassed(
      [&] { start_dma(*d, kEduBuffer + offset, scratch_addr(), len, kEduCmdRun | kEduCmdToRam); });
  return read(scratch_addr(), len);
}

}  // namespace smmu::qemu
