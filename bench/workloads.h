// The named translation workloads both models are measured on (the differential issue, speed): each sets a
// model up through the driver library, warms it, and hands out the transactions to time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/runner/runner.h"

namespace smmu::bench {

struct Workload {
  std::string name;
  std::string description;
};
const std::vector<Workload>& workloads();

// A model set up for one workload, with its memory and transactions.
class Prepared {
 public:
  Prepared(const std::string& workload, const harness::ModelFactory& make, uint64_t seed = 1);
  ~Prepared();
  // Translates every transaction once through translate_batch (in chunks); the result is for DoNotOptimize.
  size_t run_once();
  size_t transactions() const { return txns_.size(); }
  size_t warm_successes() const { return successes_; }  // of the warm-up pass: a sanity check
  SmmuModel& model();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<Transaction> txns_;
  std::vector<Outcome> out_;
  std::string workload_;
  size_t round_ = 0;
  size_t successes_ = 0;
};

struct Measurement {
  double translations_per_second = 0;
  size_t translations = 0;
};
// Repeats run_once() for at least `seconds` and reports the rate.
Measurement measure(Prepared& p, double seconds);

}  // namespace smmu::bench
