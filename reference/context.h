// The state one translation carries through the spec's steps: the features, memory, observer and the
// transaction, and Result<T>, the value a step hands on or the outcome that ends the transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "specs/model.h"
#include "reference/registers.h"

namespace smmu::ref {

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Outcome outcome) : v_(std::move(outcome)) {}
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  Outcome& outcome() { return std::get<1>(v_); }

 private:
  std::variant<T, Outcome> v_;
};

// How translation-related faults terminate and whether they are recorded (§5.5), known once the STE
// (S2R) and the CD (R, A) have been read.
struct FaultConfig {
  bool have_cd = false;   // stage-1 faults without a CD (stage 1 bypassed) are always recorded, abort
  bool cd_r = false;      // CD.R
  bool cd_a = true;       // CD.A
  bool s2r = false;       // STE.S2R
};

struct Ctx {
  const Features& f;
  Memory& mem;
  WalkObserver* obs;
  const Registers& regs;
  Transaction txn;  // InD and PnU are the post-STE-override values once the STE is read (§13.1.4)
  FaultConfig faults;

  template <class... Args>
  void note(std::string_view section, fmt::format_string<Args...> text, Args&&... args) const {
    if (noting()) obs->decision(section, fmt::format(text, std::forward<Args>(args)...));
  }
  // Whether notes are wanted: arguments that cost a formatting of their own are made only then.
  bool noting() const { return obs && obs->wants_decisions(); }

  // Reports a table word read at `pa` (with its role and key) to the observer.
  void report(uint64_t pa, std::optional<uint64_t> value, TableRead meta) const {
    if (!obs) return;
    meta.pa = pa;
    meta.value = value;
    obs->table_read(meta);
  }
  // Reads one 64-bit table word and reports it.
  std::optional<uint64_t> read_word(uint64_t pa, const TableRead& meta) const {
    std::optional<uint64_t> v = mem.read(pa, 8);
    report(pa, v, meta);
    return v;
  }
};

}  // namespace smmu::ref
