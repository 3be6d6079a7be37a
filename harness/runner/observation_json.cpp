#include "harness/runner/observation_json.h"

#include <fmt/format.h>

#include "harness/scenario/describe.h"
#include "specs/layout.h"

namespace smmu::harness {

namespace {
std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }
}  // namespace

nlohmann::json event_json(const EventRecord& e) {
  nlohmann::json j;
  j["type"] = event_type_name(e.type());
  const uint32_t defined = event_defined_fields(e.q);
  for (unsigned i = 0; i < std::size(event::kFields); ++i)
    if (i != event::bit_EVENT_TYPE && (defined & (1u << i))) j[event::kFields[i].name] = hex(e.get(event::kFields[i]));
  j["raw"] = {hex(e.q[0]), hex(e.q[1]), hex(e.q[2]), hex(e.q[3])};
  return j;
}

nlohmann::json outcome_json(const Outcome& o) {
  nlohmann::json j;
  j["result"] = outcome_kind_name(o.kind);
  if (o.kind == OutcomeKind::Success) {
    j["pa"] = hex(o.pa);
    j["perms"] = std::string{o.perms.read ? 'r' : '-', o.perms.write ? 'w' : '-', o.perms.exec ? 'x' : '-'};
    j["mair"] = hex(o.attrs.mair);
    j["sh"] = o.attrs.sh;
    j["priv"] = o.attrs.priv;
    j["instr"] = o.attrs.instr;
  }
  if (o.event) {
    j["event"] = event_json(*o.event);
    j["recorded"] = o.recorded;
  }
  return j;
}

nlohmann::json observation_json(const StepObservation& obs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& p : obs.expanded) j["expanded"].push_back(describe_step(p));
  if (obs.dma) j["dma"] = outcome_json(*obs.dma);
  if (obs.mmio_value) j["mmio_value"] = hex(*obs.mmio_value);
  j["events"] = nlohmann::json::array();
  for (const auto& e : obs.events) j["events"].push_back(event_json(e));
  for (const auto& v : obs.violations)
    j["violations"].push_back({{"kind", kexec::violation_kind_name(v.kind)}, {"pa", hex(v.pa)}, {"message", v.message}});
  j["cmdq_cons"] = hex(obs.cmdq_cons);
  j["gerror"] = hex(obs.gerror);
  j["gerrorn"] = hex(obs.gerrorn);
  return j;
}

}  // namespace smmu::harness
