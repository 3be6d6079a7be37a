// The reference SMMUv3 model: clarity over speed, no caching, shaped like Arm IHI 0070. The class is
// defined across files named for the spec's concerns: register_file.cpp (§6.3), command_queue.cpp (§4,
// §7.1), event_queue.cpp (§7.4, GERROR and MSIs), translate.cpp and the walks (§3, §5, §13).
#pragma once

#include <array>
#include <optional>

#include <fmt/format.h>

#include "reference/registers.h"
#include "specs/model.h"

namespace smmu::ref {

class ReferenceSmmu final : public SmmuModel {
 public:
  // The model implements the requested features clamped to implemented().
  ReferenceSmmu(const Features& requested, Memory& memory);

  // What this model implements: VMSAv8-64 little-endian tables only, no HTTU, no ATS/PRI, no stalls
  // (STALL_MODEL = 0b01), no FWB, no 52-bit VAs or LPA2, Non-secure state only.
  static Features implemented();

  const Features& features() const override { return features_; }
  uint64_t mmio_read(uint32_t offset, unsigned size) override;
  void mmio_write(uint32_t offset, unsigned size, uint64_t value) override;
  Outcome translate(const Transaction& t, WalkObserver* observer = nullptr) override;
  void set_observer(WalkObserver* observer) override { observer_ = observer; }

  // The register state, for tests that set up a configuration directly.
  Registers& registers() { return regs_; }

 private:
  // register_file.cpp
  uint64_t read_register(uint32_t offset) const;
  void write_register(uint32_t offset, uint64_t value);
  bool is_64bit_register(uint32_t offset) const;

  // command_queue.cpp
  void process_commands();
  // Checks and executes one command; returns its CERROR (0 when it was consumed).
  uint8_t execute_command(const std::array<uint64_t, 2>& c, CommandReport& report);

  // event_queue.cpp
  void record_event(const EventRecord& r);
  // Activates GERROR bit `bit` unless already active (§6.3.19) and sends the GERROR interrupt.
  void activate_gerror(const Field& bit);
  bool gerror_active(const Field& bit) const;
  // A 32-bit MSI write; an abort activates `abort_bit` in GERROR. Returns whether it was made.
  void send_msi(uint64_t cfg0, uint32_t data, const Field& abort_bit);

  template <class... Args>
  void note(std::string_view section, fmt::format_string<Args...> text, Args&&... args) const;
  // Whether notes are wanted: arguments that cost a formatting of their own are made only then.
  bool noting() const { return observer_ && observer_->wants_decisions(); }

  Features features_;
  IdRegs idregs_;  // features_ as the ID registers encode them
  Memory& memory_;
  Registers regs_;
  WalkObserver* observer_ = nullptr;
  bool processing_commands_ = false;
};

template <class... Args>
void ReferenceSmmu::note(std::string_view section, fmt::format_string<Args...> text, Args&&... args) const {
  if (noting()) observer_->decision(section, fmt::format(text, std::forward<Args>(args)...));
}

}  // namespace smmu::ref
