// The event record checker: the type and every field a scenario names (§7.3).
#include "harness/check/check.h"
#include "specs/lookup.h"

namespace smmu::harness {

Mismatches check_event(const smmucheck::EventExpect& e, const EventRecord& r, const std::string& prefix) {
  Mismatches m;
  const auto type = event_type_by_name(e.type());
  if (!type || *type != r.type()) {
    m.push_back({prefix + ".type", e.type(), event_type_name(r.type())});
    return m;  // the other fields mean something else in another record type
  }
  for (const auto& fv : e.field()) {
    const Field* f = field_by_name(event::kFields, fv.name());
    if (f && r.get(*f) != fv.value()) m.push_back({prefix + "." + fv.name(), hex(fv.value()), hex(r.get(*f))});
  }
  return m;
}

Mismatches check_events(const smmucheck::EventsExpect& e, const std::vector<EventRecord>& records) {
  Mismatches m;
  if (static_cast<size_t>(e.record_size()) != records.size())
    m.push_back({"events.count", std::to_string(e.record_size()), std::to_string(records.size())});
  for (size_t i = 0; i < records.size() && i < static_cast<size_t>(e.record_size()); ++i)
    for (auto& x : check_event(e.record(int(i)), records[i], "event[" + std::to_string(i) + "]")) m.push_back(std::move(x));
  return m;
}

}  // namespace smmu::harness
