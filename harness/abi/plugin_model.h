// Loading a model plugin (harness/abi/smmucheck_model.h) and presenting it as an SmmuModel.
#pragma once

#include <memory>
#include <string>

#include "harness/abi/smmucheck_model.h"
#include "harness/runner/runner.h"

namespace smmu::harness {

class Plugin : public std::enable_shared_from_this<Plugin> {
 public:
  // Opens `path`; a missing file, a missing smmucheck_model_entry symbol or an ABI version mismatch fills
  // `error` and returns nullptr.
  static std::shared_ptr<Plugin> open(const std::string& path, std::string& error);
  ~Plugin();
  const smmucheck_model_api& api() const { return *api_; }
  std::string name() const { return api_->name ? api_->name : "plugin"; }
  // A factory for the runner; the plugin stays loaded while any model it made lives.
  ModelFactory factory();

 private:
  void* handle_ = nullptr;
  const smmucheck_model_api* api_ = nullptr;
};

}  // namespace smmu::harness
