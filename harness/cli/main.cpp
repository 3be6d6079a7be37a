// smmucheck: differential fuzzing and conformance harness for the Arm SMMUv3.
#include <CLI/CLI.hpp>

#include "harness/cli/demo.h"

int main(int argc, char** argv) {
  CLI::App app{"smmucheck: differential fuzzing and conformance harness for the Arm SMMUv3"};
  app.require_subcommand(1);

  bool quiet = false;
  CLI::App* demo = app.add_subcommand("demo", "translate a few DMA transactions through a bundled configuration, "
                                              "printing each walk step and each result");
  demo->add_flag("-q,--quiet", quiet, "print only the results, not the walk steps");

  CLI11_PARSE(app, argc, argv);
  if (demo->parsed()) return smmu::harness::run_demo(quiet);
  return 2;
}
