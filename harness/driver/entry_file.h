// Reading one STE or CD from a file (harness/driver/entry.proto, protobuf text format), with every name
// resolved through the field tables of specs/ and every error reported as "file:line:column: what is
// wrong", never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/driver/hitless.h"
#include "harness/driver/used_bits.h"
#include "harness/scenario/load.h"

namespace smmu::driver {

struct EntryFile {
  std::string path;
  EntryKind kind = EntryKind::Ste;
  Words8 words{};
  bool has_features = false;
  Features features;          // smmucheck's defaults unless the file asks
  bool has_world = false;
  StreamWorld world = StreamWorld::NsEl1;
  std::string description;
};

// `kind`, if given, is the kind the caller expects (named by `kind_from` in errors: "--kind", or the other
// entry's file); the file's own kind must agree with it.
std::optional<EntryFile> parse_entry(std::string_view text, const std::string& path, std::optional<EntryKind> kind,
                                     std::vector<harness::InputError>& errors, std::string_view kind_from = "--kind");
std::optional<EntryFile> load_entry(const std::string& path, std::optional<EntryKind> kind,
                                    std::vector<harness::InputError>& errors, std::string_view kind_from = "--kind");

// A write sequence (entry.proto WriteSequence); a write without a value writes `new_entry`'s qword.
std::optional<std::vector<WriteGroup>> parse_sequence(std::string_view text, const std::string& path,
                                                      const Words8& new_entry, std::vector<harness::InputError>& errors);
std::optional<std::vector<WriteGroup>> load_sequence(const std::string& path, const Words8& new_entry,
                                                     std::vector<harness::InputError>& errors);

std::optional<EntryKind> entry_kind_by_name(std::string_view name);      // "ste", "cd"
std::optional<StreamWorld> stream_world_by_name(std::string_view name);  // "NS-EL1", "NS-EL2", "NS-EL2-E2H"

}  // namespace smmu::driver
