#include "harness/diff/reduce.h"

#include <functional>

#include <google/protobuf/text_format.h>

#include "harness/atomic_file.h"

namespace smmu::harness {

namespace {

std::optional<LoadedScenario> loaded(const smmucheck::Scenario& s) {
  LoadedScenario l;
  l.msg = s;
  l.path = "(reduction)";
  std::vector<std::string> problems;
  l.features = requested_features(s.features(), problems);
  if (!problems.empty()) return std::nullopt;
  l.step_line.assign(size_t(s.step_size()), 0);
  return l;
}

// Keeps steps [0, n) except those in [from, to).
smmucheck::Scenario without_steps(const smmucheck::Scenario& s, int from, int to) {
  smmucheck::Scenario out = s;
  out.clear_step();
  for (int i = 0; i < s.step_size(); ++i)
    if (i < from || i >= to) *out.add_step() = s.step(i);
  return out;
}


// Tries simpler values for every integer field of every step (zero, then dropping low set bits).
template <class Keep>
void simplify_fields(smmucheck::Scenario& s, Keep keep) {
  using google::protobuf::FieldDescriptor;
  using google::protobuf::Message;
  std::function<void(Message&)> visit = [&](Message& m) {
    const auto* refl = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    refl->ListFields(m, &fields);
    for (const FieldDescriptor* f : fields) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (f->is_repeated())
          for (int i = 0; i < refl->FieldSize(m, f); ++i) visit(*refl->MutableRepeatedMessage(&m, f, i));
        else
          visit(*refl->MutableMessage(&m, f));
        continue;
      }
      if (f->is_repeated() || (f->cpp_type() != FieldDescriptor::CPPTYPE_UINT64 &&
                               f->cpp_type() != FieldDescriptor::CPPTYPE_UINT32))
        continue;
      const bool wide = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
      const uint64_t original = wide ? refl->GetUInt64(m, f) : refl->GetUInt32(m, f);
      auto set = [&](uint64_t v) {
        if (wide) refl->SetUInt64(&m, f, v);
        else refl->SetUInt32(&m, f, static_cast<uint32_t>(v));
      };
      if (original == 0) continue;
      set(0);
      if (keep()) continue;
      uint64_t v = original;
      for (int bit = 0; bit < 64 && v; ++bit) {
        if (!(v & (uint64_t{1} << bit))) continue;
        set(v & ~(uint64_t{1} << bit));
        if (keep()) v &= ~(uint64_t{1} << bit);
        else set(v);
      }
    }
  };
  for (auto& step : *s.mutable_step()) visit(step);
}

}  // namespace

void strip_expectations(smmucheck::Scenario& s) {
  for (auto& step : *s.mutable_step()) {
    step.clear_comment();
    step.clear_expect_events();
    step.clear_expect_queue();
    if (step.has_dma()) step.mutable_dma()->clear_expect();
    if (step.has_mmio_read()) {
      step.mutable_mmio_read()->clear_expect_value();
      step.mutable_mmio_read()->clear_expect_field();
    }
    if (step.has_mem_read()) step.mutable_mem_read()->clear_expect_value();
  }
}

std::string first_signature(const smmucheck::Scenario& s, const std::vector<ModelSpec>& models) {
  auto l = loaded(s);
  if (!l) return "";
  auto r = run_diff(*l, models);
  const auto* d = std::get_if<DiffResult>(&r);
  return d && !d->divergences.empty() ? d->divergences.front().signature : "";
}

ReduceResult reduce(const smmucheck::Scenario& input, const std::vector<ModelSpec>& models, int max_runs) {
  ReduceResult r;
  r.steps_before = input.step_size();
  r.signature = first_signature(input, models);
  r.scenario = input;
  if (r.signature.empty()) return r;
  auto keeps = [&](const smmucheck::Scenario& candidate) {
    if (r.runs >= max_runs) return false;
    ++r.runs;
    return first_signature(candidate, models) == r.signature;
  };
  smmucheck::Scenario best = input;
  strip_expectations(best);
  if (!keeps(best)) best = input;  // (cannot happen: expectations do not reach the models)
  // Steps: remove chunks, halving their size down to single steps (ddmin-like), from the end backwards so
  // that set-up steps survive until their users are gone.
  for (int chunk = std::max(1, best.step_size() / 2); chunk >= 1; chunk /= 2) {
    bool removed = true;
    while (removed) {
      removed = false;
      for (int from = best.step_size() - chunk; from >= 0; from -= chunk) {
        smmucheck::Scenario candidate = without_steps(best, from, from + chunk);
        if (keeps(candidate)) {
          best = candidate;
          removed = true;
        }
      }
    }
  }
  simplify_fields(best, [&] { return keeps(best); });
  r.scenario = best;
  r.steps_after = best.step_size();
  return r;
}

bool write_scenario_atomically(const std::string& path, const smmucheck::Scenario& s, const std::string& header,
                               std::string& error) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(s, &text);
  return write_file_atomically(path, header + text, error) == WriteResult::Written;
}

}  // namespace smmu::harness
