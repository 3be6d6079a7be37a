// smmucheck: differential fuzzing and conformance harness for the Arm SMMUv3.
#include <CLI/CLI.hpp>

#include "harness/cli/commands.h"
#include "harness/nightly/nightly.h"

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
  bool bench_json = false;
  bench->add_flag("--json", bench_json, "the rates and ratios as JSON on stdout");

  FuzzOptions fuzz_opts;
  CLI::App* fuzz = app.add_subcommand(
      "fuzz", "run a fuzz campaign of the differential target in DIR; kill it at any time and run it again to resume");
  fuzz->footer(
      "libFuzzer runs as one -fork=N process; AFL++ as one -M and N-1 -S instances, the first -S with the CMPLOG\n"
      "binary (-c). The engines come from fuzz builds: --build (default <source>/build/fuzz for libfuzzer,\n"
      "<source>/build/afl for afl, made with `cmake --preset fuzz|afl -B DIR && cmake --build DIR --target\n"
      "fuzz_targets`) and --cmplog-build (default <source>/build/afl-cmplog: `cmake --preset afl-cmplog -B DIR &&\n"
      "AFL_LLVM_CMPLOG=1 cmake --build DIR --target diff_fuzzer`).\n"
      "DIR keeps: corpus/ (libFuzzer), afl/ (AFL++ -o), libfuzzer/artifacts/, logs/, findings/ (each finding: its\n"
      "input and a JSON record with its signature, written atomically as soon as its engine writes it, and again\n"
      "at start-up for anything a kill -9 missed), progress.log, campaign.json.\n"
      "One progress line per interval, also appended to DIR/progress.log:\n"
      "  fuzz: t=60s execs=123456 exec/s=2057 cov=1234 corpus=345 findings=2 signatures=1\n"
      "and one line per new signature: fuzz: new signature=SIG finding=ID source=FILE\n"
      "Exit: 0 no findings in DIR, 1 DIR holds findings (next: smmucheck triage DIR), 2 bad input or an engine\n"
      "that could not run.");
  fuzz->add_option("--engine", fuzz_opts.engine, "libfuzzer or afl")->required();
  fuzz->add_option("--jobs", fuzz_opts.jobs, "parallel fuzzing processes")->default_val(1);
  fuzz->add_option("--time", fuzz_opts.time, "how long this run fuzzes: 90, 90s, 15m, 8h")->required();
  fuzz->add_option("--out", fuzz_opts.out, "the campaign directory (created, or resumed)")->required();
  fuzz->add_option("--build", fuzz_opts.build, "the fuzz build directory of the engine");
  fuzz->add_option("--cmplog-build", fuzz_opts.cmplog_build, "AFL++: the afl-cmplog build directory");
  fuzz->add_flag("--no-cmplog", fuzz_opts.no_cmplog, "AFL++: run no CMPLOG instance");
  fuzz->add_option("--interval", fuzz_opts.interval, "time between progress lines")->default_val("30s");
  fuzz->add_option("--seed", fuzz_opts.seed, "the engines' random seed (libFuzzer -seed, AFL++ -s; instance i gets SEED+i)");

  TriageOptions triage_opts;
  CLI::App* triage = app.add_subcommand(
      "triage", "group a campaign's findings by signature, reduce one reproducer per signature into DIR/regressions/, "
                "and print signature, count, first seen, steps and the replay command");
  triage->footer(
      "DIR is a `smmucheck fuzz` directory, an AFL++ output directory (crashes/ and hangs/ of each instance) or a\n"
      "directory of libFuzzer artifacts (crash-*, timeout-*, oom-*, leak-*): crash files not yet recorded become\n"
      "findings in DIR/findings/ first. Divergences are reduced with the reducer of `smmucheck reduce`; crashes and\n"
      "engine-only reports are written as decoded. --promote adds each reproducer that reproduces to\n"
      "corpus/regressions/ (never replacing a file there), where it becomes a ctest that the models agree on it.\n"
      "Exit: 0 nothing reproduces, 1 a reproducer still diverges or crashes, 2 bad input or a write that failed.");
  triage->add_option("dir", triage_opts.dir, "the campaign directory")->required();
  triage->add_flag("--promote", triage_opts.promote, "add the reproducers to corpus/regressions/ (never overwrites)");
  triage->add_option("--corpus", triage_opts.corpus, "where --promote adds them (default <source>/corpus/regressions)");
  triage->add_flag("--json", triage_opts.json, "machine-readable output");

  ProveOptions prove_opts;
  CLI::App* prove = app.add_subcommand(
      "prove", "prove or refute each invariant of handover plans (specs/plans/) with Z3, and replay each counterexample");
  prove->footer(
      "One line per invariant: proved or refuted, the time, and whether that is the plan's expected verdict; a\n"
      "refutation says where and why, and its counterexample is written as a scenario (OUT/PLAN/) and replayed in\n"
      "the reference and the optimized model. Progress lines go to stderr.\n"
      "Exit: 0 every verdict as expected and every counterexample confirmed by replay, 1 otherwise, 2 bad input.");
  prove->add_option("paths", prove_opts.paths, "plan files, or directories of *.textproto")->required();
  prove->add_option("--out", prove_opts.out, "where counterexample scenarios go")->default_val("smmucheck-prove");
  prove->add_option("--progress", prove_opts.progress_seconds, "seconds between progress lines")->default_val(5.0);
  prove->add_flag("--json", prove_opts.json, "the verdicts as JSON on stdout (the text goes to stderr)");
  // ---- smmucheck conform (harness/cli/conform.cpp) ----
  ConformOptions conform_opts;
  CLI::App* conform = app.add_subcommand(
      "conform", "run the conformance vectors (each tied to a rule of Arm IHI 0070) on a model: one line per vector, "
                 "a failure field by field, a summary per spec section");
  conform->footer(
      "Without paths: specs/conformance/ and corpus/{stream_table,ste,cd,stage1,stage2,nested,cmdq,eventq}/.\n"
      "A vector is a scenario with `spec` (sections), `rule` (in words) and at least one expectation\n"
      "(specs/conformance/README.md). A vector needing a feature the model lacks is skipped with the reason.\n"
      "Exit: 0 no vector fails, 1 a vector fails, 2 bad input (a file that is not a valid vector) or a model\n"
      "that could not run.");
  conform->add_option("paths", conform_opts.paths, "vector files or directories of *.textproto");
  conform->add_option("--model", conform_opts.model, "the model: ref, opt, qemu, or a plugin PATH.so")->default_val("ref");
  conform->add_option("--junit", conform_opts.junit, "also write the results as JUnit XML to FILE (atomically)");
  conform->add_flag("-v,--verbose", conform_opts.verbose, "name the file of passing vectors too");
  conform->add_flag("--json", conform_opts.json, "the results as JSON on stdout (the text goes to stderr)");
  // ---- end smmucheck conform ----
  // ---- smmucheck hitless (harness/cli/hitless.cpp) ----
  HitlessOptions hitless_opts;
  CLI::App* hitless = app.add_subcommand(
      "hitless", "the hitless writer's 64-bit write, CFGI and CMD_SYNC sequence for an STE or CD update, and whether "
                 "every entry the SMMU can observe meanwhile is the old or the new one on the bits it uses");
  hitless->footer("Entries are protobuf text format (harness/driver/entry.proto; examples in corpus/hitless/).\n"
                  "Exit: 0 hitless, 1 not hitless (the writer passes through an invalid entry, or worse), 2 bad input.");
  hitless->add_option("--old", hitless_opts.old_path, "the entry in memory now")->required();
  hitless->add_option("--new", hitless_opts.new_path, "the entry to install")->required();
  hitless->add_option("--kind", hitless_opts.kind, "ste or cd (default: what the files say)");
  hitless->add_option("--sid", hitless_opts.sid, "StreamID for the CFGI commands")->default_val(0);
  hitless->add_option("--ssid", hitless_opts.ssid, "SubstreamID for CMD_CFGI_CD")->default_val(0);
  hitless->add_option("--break-via", hitless_opts.break_via,
                      "where no hitless sequence exists, pass through: invalid (V = 0) or abort (STE Config = 0b000)")
      ->default_val("invalid");
  hitless->add_option("--sequence", hitless_opts.sequence_path,
                      "check this write sequence (groups of qword writes, harness/driver/entry.proto) instead of the writer's");
  hitless->add_flag("--json", hitless_opts.json, "machine-readable output");
  // ---- end smmucheck hitless ----
  // ---- smmucheck coverage (harness/cli/coverage.cpp) ----
  CoverageOptions coverage_opts;
  CLI::App* coverage = app.add_subcommand(
      "coverage", "what the conformance suite exercises: spec sections, STE and CD fields, commands, events, and the "
                  "llvm-cov line coverage of reference/; writes DIR/coverage.json, coverage.md and coverage.html");
  coverage->add_option("--out", coverage_opts.out, "where the report goes")->default_val("smmucheck-coverage");
  coverage->add_option("--coverage-build", coverage_opts.coverage_build,
                       "a `coverage` preset build (cmake --preset coverage && cmake --build build/coverage --target "
                       "smmucheck): its smmucheck runs the suite under llvm-cov");
  // ---- end smmucheck coverage ----
  // ---- smmucheck nightly (harness/nightly/nightly.cpp) ----
  smmu::nightly::Options nightly_opts;
  CLI::App* nightly = app.add_subcommand(
      "nightly", "within a time budget: conformance on every available model, corpus replay, the proof suite, the "
                 "benchmark, coverage, a differential fuzz campaign and triage; writes DIR/report.html and summary.json");
  nightly->footer(
      "Stages, in order, each a child `smmucheck` with its share of the budget (its JSON in DIR/stages/, its text in\n"
      "DIR/logs/): conform on ref, opt, qemu (when installed) and each --model; run and diff of corpus/; prove\n"
      "specs/plans/; bench; coverage; then a libFuzzer campaign (DIR/campaign/, resumed by a later night in DIR)\n"
      "with the time left, and triage of its findings. One progress line per stage:\n"
      "  nightly: t=42s/300s conform-opt: ok in 1.6 s: 156 vectors: 156 pass, 0 fail, 0 skip, 0 error\n"
      "DIR/report.html is self-contained (no network); DIR/summary.json is the baseline of a later night.\n"
      "Exit: 0 nothing new found and nothing regressed, 1 a new finding (a signature not in corpus/regressions/) or\n"
      "a regression against --baseline, 2 a usage or input error or a stage that could not run.");
  nightly->add_option("--budget", nightly_opts.budget, "the night's length: 90, 90s, 15m, 8h")->default_val("5m");
  nightly->add_option("--out", nightly_opts.out, "the night's directory")->required();
  nightly->add_option("--seed", nightly_opts.seed, "the campaign's seed, for a repeatable night");
  nightly->add_option("--baseline", nightly_opts.baseline, "an earlier night's summary.json");
  nightly->add_option("--model", nightly_opts.models, "another model for the conformance stage: PATH.so (repeatable)");
  nightly->add_flag("--no-qemu", nightly_opts.no_qemu, "leave QEMU out even when it is installed");
  nightly->add_option("--fuzz-build", nightly_opts.fuzz_build, "the libFuzzer build (default <source>/build/fuzz)");
  nightly->add_option("--coverage-build", nightly_opts.coverage_build,
                      "a `coverage` preset build (ci/build.sh coverage): line coverage of reference/ under the suite");
  nightly->add_flag("--render-only", nightly_opts.render_only,
                    "run nothing: write DIR/report.html and report.md again from DIR/summary.json");
  // ---- end smmucheck nightly ----

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
  if (bench->parsed()) return bench_models(bench_seconds, bench_workloads, bench_json);
  if (fuzz->parsed()) return fuzz_campaign(fuzz_opts);
  if (triage->parsed()) return triage_campaign(triage_opts);
  if (prove->parsed()) return prove_plans(prove_opts);
  if (hitless->parsed()) return hitless_command(hitless_opts);
  if (conform->parsed()) return conform_command(conform_opts);
  if (coverage->parsed()) return coverage_command(coverage_opts);
  if (nightly->parsed()) return smmu::nightly::nightly_command(nightly_opts);
  return kExitInputError;
}
