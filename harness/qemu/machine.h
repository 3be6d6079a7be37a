// A QEMU `virt` machine with an SMMUv3 and QEMU's `edu` PCI devices as DMA masters, driven through
// qtest: the QEMU side of the QEMU peer model.
//
// The machine: qemu-system-aarch64 -machine virt,iommu=smmuv3 (the SMMU at 0x09050000, guest RAM at
// 0x40000000, PCIe ECAM at 0x4010000000), a cortex-a57 parked in a wfi loop by an 8-byte firmware
// written at run time, and -icount shift=0,sleep=off so the edu's DMA timer (100 ms of virtual time)
// fires as soon as the idle CPU lets the clock warp. Debian's QEMU has no qtest accelerator, so the
// clock cannot be stepped; the CPU really runs, hence the parking firmware.
//
// One edu device per requested StreamID (= the PCI requester ID, bus << 8 | devfn):
//   bus 0, devfn 0x08-0xff: an edu on the root bus at that slot.function;
//   bus 1-255, devfn 0x00-0x07: an edu at function devfn of slot 0 behind a pcie-root-port whose
//     secondary bus number is programmed to the bus (the root ports take free bus-0 slots, from 0x1f down).
// Bus 0 devfn 0-7 is the host bridge's slot, and behind a root port only slot 0 is reachable, so other
// StreamIDs cannot be provided (unsupported_stream_id() says why).
//
// Each edu has a 4 KiB buffer at device address 0x40000 that DMA moves data into (to_device) or out of.
// The buffer cannot be read through BAR0; load_buffer() and read_buffer() stage it through a scratch
// page of guest RAM with a DMA made while SMMU_CR0.SMMUEN is briefly clear (QEMU then bypasses the SMMU
// without touching its caches or queues; QEMU 7.2 re-runs its command queue consumer on each CR0 write,
// which does nothing unless commands are pending).
//
// QEMU is killed when the thread that created the machine exits (die_with_creating_thread).
#pragma once

#include <sched.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/qemu/qtest.h"
#include "specs/layout.h"

namespace smmu::qemu {

struct QemuMachineOptions {
  std::vector<uint32_t> stream_ids{0x0008};  // one edu device per StreamID
  uint32_t ram_mib = 128;
  std::string binary = "qemu-system-aarch64";
  std::chrono::milliseconds timeout{10'000};  // for QEMU to start, for each reply, for each DMA
  std::vector<std::string> extra_args;        // appended to QEMU's command line
  // Runs QEMU and the calling thread on the CPU the caller is on (the caller's affinity is restored by
  // the destructor). Every qtest command is a round trip, and in a VM a cross-CPU wake-up can cost
  // ~30 us each way: measured on a busy 2-CPU VM, 11 us instead of 70 us per command and 0.06 ms
  // instead of 0.3 ms per DMA; on a quiet one both are ~11 us and ~0.06 ms.
  bool share_cpu = false;
  bool die_with_creating_thread = true;  // see QtestOptions
};

struct EduDevice {
  uint32_t stream_id;
  uint8_t bus;
  uint8_t devfn;
  int root_port_devfn;  // the bus-0 devfn of the root port in front of it; -1 on the root bus
  uint64_t bar0;        // guest physical address of its registers
};

class QemuMachine {
 public:
  static constexpr uint64_t kSmmuBase = 0x0905'0000;
  static constexpr uint64_t kSmmuSize = 0x2'0000;  // page 0 and page 1 (smmu::reg::kPage1)
  static constexpr uint64_t kRamBase = 0x4000'0000;
  static constexpr uint64_t kEcamBase = 0x40'1000'0000;  // 256 buses
  static constexpr uint64_t kPciMmioBase = 0x1000'0000;  // the 32-bit PCI memory window
  static constexpr uint64_t kPciMmioEnd = 0x3eff'0000;
  static constexpr uint64_t kEduBuffer = 0x40000;  // the edu buffer's device address
  static constexpr uint32_t kEduBufferSize = 4096;
  static constexpr uint64_t kScratchSize = 4096;  // the last page of RAM, for buffer staging

  // Why no machine can start (qemu-system-aarch64 missing), or nullopt.
  static std::optional<std::string> unavailable_reason(const std::string& binary = "qemu-system-aarch64");
  // Why `sid` cannot be given to an edu device, or nullopt.
  static std::optional<std::string> unsupported_stream_id(uint32_t sid);
  // The parking firmware: wfi; b .-4 (aarch64, little-endian).
  static std::vector<uint8_t> parking_firmware();

  // Starts QEMU, programs the root ports' bus numbers and windows, assigns every edu's BAR and enables
  // memory decoding and bus mastering. Throws QtestError.
  explicit QemuMachine(QemuMachineOptions options = {});
  ~QemuMachine();
  QemuMachine(const QemuMachine&) = delete;
  QemuMachine& operator=(const QemuMachine&) = delete;

  const std::vector<EduDevice>& devices() const { return devices_; }
  std::vector<uint32_t> stream_ids() const;
  bool has_stream(uint32_t sid) const { return find(sid) != nullptr; }
  uint64_t ram_base() const { return kRamBase; }
  uint64_t ram_size() const { return uint64_t{options_.ram_mib} << 20; }
  uint64_t scratch_addr() const { return kRamBase + ram_size() - kScratchSize; }

  // SMMU registers by offset from the SMMU base (page 1 at smmu::reg::kPage1), or by table entry
  // (the access size is the register's width). QEMU answers only 32-bit accesses to 32-bit registers
  // and 64-bit accesses to the 64-bit ones it knows.
  uint32_t smmu_read32(uint32_t offset) { return q_->readl(kSmmuBase + offset); }
  uint64_t smmu_read64(uint32_t offset) { return q_->readq(kSmmuBase + offset); }
  void smmu_write32(uint32_t offset, uint32_t v) { q_->writel(kSmmuBase + offset, v); }
  void smmu_write64(uint32_t offset, uint64_t v) { q_->writeq(kSmmuBase + offset, v); }
  uint64_t smmu_read(const Register& r) { return r.bits == 64 ? smmu_read64(r.offset) : smmu_read32(r.offset); }
  void smmu_write(const Register& r, uint64_t v);

  // Guest physical memory.
  uint64_t read64(uint64_t pa) { return q_->readq(pa); }
  uint32_t read32(uint64_t pa) { return q_->readl(pa); }
  void write64(uint64_t pa, uint64_t v) { q_->writeq(pa, v); }
  void write32(uint64_t pa, uint32_t v) { q_->writel(pa, v); }
  void read(uint64_t pa, std::span<uint8_t> out) { q_->read_bytes(pa, out); }
  std::vector<uint8_t> read(uint64_t pa, size_t len) { return q_->read_bytes(pa, len); }
  void write(uint64_t pa, std::span<const uint8_t> data) { q_->write_bytes(pa, data); }
  void fill(uint64_t pa, uint64_t len, uint8_t value) { q_->fill(pa, len, value); }

  // One DMA by the edu device of `sid`, through the SMMU: to_device reads `len` bytes at device address
  // `device_addr` into the edu buffer at `buffer_offset`; otherwise the buffer is written to
  // `device_addr`. Returns when the edu reports completion. The edu ignores the outcome: a transfer the
  // SMMU terminates reads as zeros / writes nothing, and QEMU issues a faulting transfer in 4-byte
  // beats, each translated (and reported) on its own.
  void dma(uint32_t sid, uint64_t device_addr, uint32_t len, bool to_device, uint32_t buffer_offset = 0);

  // The edu buffer of `sid`, written or read outside the SMMU (staged through scratch RAM; see above).
  void load_buffer(uint32_t sid, uint32_t offset, std::span<const uint8_t> data);
  std::vector<uint8_t> read_buffer(uint32_t sid, uint32_t offset, uint32_t len);

  // Timings: QEMU's start until the qtest connection, and the whole constructor.
  double spawn_ms() const { return spawn_ms_; }
  double setup_ms() const { return setup_ms_; }
  uint64_t dma_count() const { return dma_count_; }
  uint64_t dma_polls() const { return dma_polls_; }  // completion polls over all DMAs

  Qtest& qtest() { return *q_; }

 private:
  struct Device {
    EduDevice info;
    uint64_t src = ~0ull, dst = ~0ull, cnt = ~0ull;  // last values written to the DMA registers
  };
  struct RootPort {
    uint8_t devfn;
    uint8_t bus;
  };

  Device* find(uint32_t sid);
  const Device* find(uint32_t sid) const;
  std::vector<std::string> device_args();
  void enumerate();
  uint64_t ecam(uint8_t bus, uint8_t devfn, uint32_t offset) const {
    return kEcamBase + (uint64_t{bus} << 20) + (uint64_t{devfn} << 12) + offset;
  }
  void start_dma(Device& d, uint64_t src, uint64_t dst, uint64_t len, uint64_t cmd);
  // Runs `fn` (DMAs) with the SMMU bypassed: SMMUEN (and GBPA.ABORT, where QEMU implements GBPA) clear.
  template <typename Fn>
  void with_smmu_bypassed(Fn&& fn);

  QemuMachineOptions options_;
  std::vector<Device> devs_;
  std::vector<EduDevice> devices_;
  std::vector<RootPort> root_ports_;
  std::optional<cpu_set_t> saved_affinity_;  // the caller's, when share_cpu moved it
  std::unique_ptr<Qtest> q_;
  double spawn_ms_ = 0, setup_ms_ = 0;
  uint64_t dma_count_ = 0, dma_polls_ = 0;
};

}  // namespace smmu::qemu
