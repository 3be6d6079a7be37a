// A walk observer that prints the story of a translation: each table word read and each decision.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "specs/model.h"

namespace smmu::harness {

class TracePrinter final : public WalkObserver {
 public:
  explicit TracePrinter(std::FILE* out, std::string indent = "    ") : out_(out), indent_(std::move(indent)) {}
  ~TracePrinter() override { flush(); }
  void table_read(const TableRead& r) override;
  void decision(std::string_view section, std::string_view text) override;
  void command(const CommandReport& c) override;
  void event(const EventRecord& record, std::optional<uint64_t> pa) override;
  void msi(uint64_t pa, uint32_t data, bool ok) override;

 private:
  void flush();
  std::FILE* out_;
  std::string indent_;
  // The qwords of a multi-word structure (STE, CD) are printed as one line once all have been read.
  std::optional<TableRead> first_;
  std::vector<std::optional<uint64_t>> words_;
};

std::string describe(const Transaction& t);

}  // namespace smmu::harness
