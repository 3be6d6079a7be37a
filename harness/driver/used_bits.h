// The bits of an STE or a CD that the SMMU uses, given that entry's own configuration (V, Config, S1CDMax,
// STRW, MTCFG for an STE; V, EPD0/EPD1, AA64, HA for a CD) and the feature set: every other bit is
// IGNORED, RES0 for the features, or reserved for software (Arm IHI 0070 §5.2, §5.4). The hitless writer
// and its checker compare entries on these bits only (§3.21.3: the SMMU may observe any per-qword mix).
//
// The rules are written so that the bits deciding what is used are themselves used: two entries that agree
// on used(a) have the same used bits (tests/hitless checks this on random entries).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "harness/driver/tables.h"
#include "specs/feature_set.h"
#include "specs/layout.h"

namespace smmu::driver {

enum class EntryKind : uint8_t { Ste, Cd };
const char* entry_kind_name(EntryKind k);  // "STE", "CD"

// The StreamWorld of the STE that locates a CD (§3.3.3, §5.2 STRW): EPD0/EPD1, ASID and the TTB1 fields of
// a CD depend on it (§5.4). Non-secure only: smmucheck's models implement no Secure or Realm state.
enum class StreamWorld : uint8_t { NsEl1, NsEl2, NsEl2E2H };
const char* stream_world_name(StreamWorld w);  // "NS-EL1", "NS-EL2", "NS-EL2-E2H"

struct UsedContext {
  Features features;
  StreamWorld world = StreamWorld::NsEl1;  // CDs only
};

// One rule of the used-bits computation: `field` is used when the rule applies; `why` cites the spec.
struct UsedField {
  const Field* field;
  const char* why;
};

// The per-qword mask of the bits the SMMU uses in `entry`, and the fields that make it up (with the reason
// each is used) when `fields` is given.
Words8 used_bits(EntryKind kind, const Words8& entry, const UsedContext& ctx, std::vector<UsedField>* fields = nullptr);
Words8 ste_used_bits(const Words8& ste, const Features& f, std::vector<UsedField>* fields = nullptr);
Words8 cd_used_bits(const Words8& cd, const Features& f, StreamWorld world, std::vector<UsedField>* fields = nullptr);

// The field table of an entry kind, and the fields overlapping `mask` in qword `q` ("bits[5:3]" for bits
// no field names).
std::span<const Field> entry_fields(EntryKind kind);
std::vector<std::string> fields_in(EntryKind kind, unsigned q, uint64_t mask);

// Whether the entry lets no traffic through: V = 0 (§5.2 V, §5.4 V), or an STE with Config = 0b0xx
// (abort, §5.2 Config). A rewrite the plan marks breaking may pass through such entries.
bool blocks_traffic(EntryKind kind, const Words8& entry);

}  // namespace smmu::driver
