// smmucheck: differential fuzzing and conformance harness for the Arm SMMUv3.
#include <CLI/CLI.hpp>

#include "harness/cli/commands.h"

int main(int argc, char** argv) {
  using namespace smmu::harness;
  CLI::App app{"smmucheck: differential fuzzing and conformance harness for the Arm SMMUv3 (Arm IHI 0070).\n"
               "Exit codes: 0 success, 1 a check failed, 2 a usage or input error."};
  app.require_subcommand(1);

  bool quiet = false;
  CLI::App* demo = app.add_subcommand("demo", "translate a few DMA transactions through a bundled configuration, "
                                              "printing each walk step and each result");
  demo->add_flag("-q,--quiet", quiet, "print only the results, not the walk steps");

  RunOptions run_opts;
  CLI::App* run = app.add_subcommand("run", "run scenarios (files, or directories of *.textproto) on the reference "
                                            "model and check their expectations");
  run->add_option("paths", run_opts.paths, "scenario files or directories")->required();
  run->add_option("--model", run_opts.model, "the model to run: ref, opt, or a plugin PATH.so")->default_val("ref");
  run->add_flag("--json", run_opts.json, "machine-readable output");
  run->add_flag("-v,--verbose", run_opts.verbose, "list passing scenarios too");

  std::string replay_path;
  bool replay_json = false;
  CLI::App* replay = app.add_subcommand("replay", "tell the story of one scenario: every step, table read, decision, "
                                                  "command, event and check");
  replay->add_option("file", replay_path, "a scenario file")->required();
  replay->add_flag("--json", replay_json, "machine-readable output: each step with its observations and checks");
  std::string replay_model = "ref";
  replay->add_option("--model", replay_model, "the model to replay on: ref, opt, or a plugin PATH.so")->default_val("ref");

  DiffOptionsCli diff_opts;
  CLI::App* diff = app.add_subcommand("diff", "run scenarios on the reference and other models and report the first "
                                              "divergence of each, with a stable signature");
  diff->add_option("paths", diff_opts.paths, "scenario files or directories")->required();
  diff->add_option("--model", diff_opts.models, "a model to compare with the reference (repeatable): opt, opt:batch, ref:batch, PATH.so")
      ->default_val(std::vector<std::string>{"opt", "opt:batch"});
  diff->add_flag("--json", diff_opts.json, "machine-readable output");
  diff->add_flag("-v,--verbose", diff_opts.verbose, "list scenarios without divergence too");

  std::string reduce_path, reduce_out;
  std::vector<std::string> reduce_models;
  CLI::App* reduce = app.add_subcommand("reduce", "shrink a diverging scenario step by step, then field by field, "
                                                  "keeping its signature; write it as text format");
  reduce->add_option("file", reduce_path, "a diverging scenario")->required();
  reduce->add_option("--model", reduce_models, "the model compared with the reference")
      ->default_val(std::vector<std::string>{"opt"});
  reduce->add_option("-o,--out", reduce_out, "where to write (default: FILE with .reduced.textproto)");

  double bench_seconds = 1.0;
  std::vector<std::string> bench_workloads;
  CLI::App* bench = app.add_subcommand("bench", "translations per second of each model on the named workloads "
                                                "(iotlb_hits, streaming, random_4k, nested, mixed_inval) and the ratios");
  bench->add_option("--seconds", bench_seconds, "time per model and workload")->default_val(1.0);
  bench->add_option("--workload", bench_workloads, "only these workloads");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitInputError;
  }
  if (demo->parsed()) return run_demo(quiet);
  if (run->parsed()) return run_scenarios(run_opts);
  if (replay->parsed()) return replay_scenario(replay_path, replay_json, replay_model);
  if (diff->parsed()) return diff_scenarios(diff_opts);
  if (reduce->parsed()) return reduce_scenario(reduce_path, reduce_models, reduce_out);
  if (bench->parsed()) return bench_models(bench_seconds, bench_workloads);
  return kExitInputError;
}
