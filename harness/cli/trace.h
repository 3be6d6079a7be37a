// A walk observer that prints the story of a translation: each table word read and each decision.
#pragma once

#include <cstdio>
#include <string>

#include "specs/model.h"

namespace smmu::harness {

class TracePrinter final : public WalkObserver {
 public:
  explicit TracePrinter(std::FILE* out, std::string indent = "    ") : out_(out), indent_(std::move(indent)) {}
  void table_read(const TableRead& r) override;
  void decision(std::string_view section, std::string_view text) override;

 private:
  std::FILE* out_;
  std::string indent_;
};

std::string describe(const Transaction& t);

}  // namespace smmu::harness
