// The event record checker: the type and every field a scenario names (§7.3).
#include "harness/check/check.h"
#include "harness/check/compare.h"
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

// Records compared field by field, only on the fields the architecture defines for each (specs/: the
// conditional masks of event_defined_fields), so UNKNOWN and IMPLEMENTATION DEFINED bits never count.
// The signature says only whether the model wrote fewer or more records, so that one bug keeps one
// signature whatever the scenario's counts.
Difference event_count_difference(size_t a, size_t b) {
  return {"events.count", "expected", b < a ? "fewer" : "more", std::to_string(a), std::to_string(b)};
}

Differences compare_events(const std::vector<EventRecord>& a, const std::vector<EventRecord>& b) {
  Differences d;
  if (a.size() != b.size()) d.push_back(event_count_difference(a.size(), b.size()));
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const std::string ta = event_type_name(a[i].type()), tb = event_type_name(b[i].type());
    if (ta != tb) {
      d.push_back({"event.type", ta, tb, ta, tb});
      continue;
    }
    const uint32_t fields = event_defined_fields(a[i].q) | event_defined_fields(b[i].q);
    for (unsigned f = 0; f < std::size(event::kFields); ++f) {
      if (!(fields & (1u << f))) continue;
      const Field& field = event::kFields[f];
      if (a[i].get(field) != b[i].get(field))
        d.push_back({std::string("event.") + field.name, ta, tb, hex(a[i].get(field)), hex(b[i].get(field))});
    }
  }
  return d;
}

}  // namespace smmu::harness
