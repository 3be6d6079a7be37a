#include "harness/driver/entry_file.h"

#include <fmt/format.h>
#include <google/protobuf/text_format.h>

#include "harness/driver/entry.pb.h"
#include "specs/lookup.h"

namespace smmu::driver {

std::optional<EntryKind> entry_kind_by_name(std::string_view name) {
  if (name == "ste" || name == "STE") return EntryKind::Ste;
  if (name == "cd" || name == "CD") return EntryKind::Cd;
  return std::nullopt;
}

std::optional<StreamWorld> stream_world_by_name(std::string_view name) {
  for (StreamWorld w : {StreamWorld::NsEl1, StreamWorld::NsEl2, StreamWorld::NsEl2E2H})
    if (name == stream_world_name(w)) return w;
  return std::nullopt;
}

std::optional<EntryFile> parse_entry(std::string_view text, const std::string& path, std::optional<EntryKind> kind,
                                     std::vector<harness::InputError>& errors, std::string_view kind_from) {
  smmucheck::Entry msg;
  google::protobuf::TextFormat::ParseInfoTree tree;
  const size_t before = errors.size();
  if (!harness::parse_text(text, path, msg, tree, errors)) return std::nullopt;
  const auto* desc = msg.GetDescriptor();
  auto error_at = [&](const char* field, int index, std::string message) {
    auto loc = tree.GetLocation(desc->FindFieldByName(field), index);
    errors.push_back({path, loc.line >= 0 ? loc.line + 1 : 0, loc.column + 1, std::move(message)});
  };
  EntryFile out;
  out.path = path;
  out.description = msg.description();
  if (!msg.kind().empty()) {
    const auto k = entry_kind_by_name(msg.kind());
    if (!k) error_at("kind", -1, fmt::format("kind '{}' is not \"ste\" or \"cd\"", msg.kind()));
    else if (kind && *k != *kind) {
      error_at("kind", -1, fmt::format("kind '{}' disagrees with {}, an {}", msg.kind(), kind_from, entry_kind_name(*kind)));
      return std::nullopt;  // its fields would all be reported as unknown
    } else out.kind = *k;
  } else if (kind) {
    out.kind = *kind;
  } else {
    errors.push_back({path, 0, 0, "kind: the file says neither kind: \"ste\" nor kind: \"cd\", and no --kind was given"});
  }
  if (msg.qword_size() > 8)
    error_at("qword", 8, fmt::format("qword: an {} has 8 qwords, the file gives {}", entry_kind_name(out.kind), msg.qword_size()));
  for (int i = 0; i < msg.qword_size() && i < 8; ++i) out.words[i] = msg.qword(i);
  const auto table = entry_fields(out.kind);
  for (int i = 0; i < msg.field_size(); ++i) {
    const auto& fv = msg.field(i);
    const Field* f = field_by_name(table, fv.name());
    if (!f) {
      error_at("field", i, fmt::format("field '{}': not a field of the {} (§{})", fv.name(), entry_kind_name(out.kind),
                                       out.kind == EntryKind::Ste ? "5.2" : "5.4"));
      continue;
    }
    if (f->width() < 64 && (fv.value() >> f->width()) != 0) {
      error_at("field", i, fmt::format("field '{}': {} bits wide; {:#x} does not fit", fv.name(), f->width(), fv.value()));
      continue;
    }
    f->set(std::span<uint64_t>(out.words), fv.value());
  }
  if (msg.has_features()) {
    std::vector<std::string> problems;
    out.has_features = true;
    out.features = harness::requested_features(msg.features(), problems);
    for (const auto& m : problems) error_at("features", -1, "features: " + m);
  }
  if (!msg.stream_world().empty()) {
    const auto w = stream_world_by_name(msg.stream_world());
    if (!w) error_at("stream_world", -1, fmt::format("stream_world '{}' is not NS-EL1, NS-EL2 or NS-EL2-E2H", msg.stream_world()));
    else if (out.kind != EntryKind::Cd) error_at("stream_world", -1, "stream_world: only a CD has one");
    else {
      out.has_world = true;
      out.world = *w;
    }
  }
  if (errors.size() != before) return std::nullopt;
  return out;
}

std::optional<std::vector<WriteGroup>> parse_sequence(std::string_view text, const std::string& path,
                                                      const Words8& new_entry, std::vector<harness::InputError>& errors) {
  smmucheck::WriteSequence msg;
  google::protobuf::TextFormat::ParseInfoTree tree;
  const size_t before = errors.size();
  if (!harness::parse_text(text, path, msg, tree, errors)) return std::nullopt;
  const auto* group_field = msg.GetDescriptor()->FindFieldByName("group");
  const auto* write_field = smmucheck::WriteGroup::descriptor()->FindFieldByName("write");
  std::vector<WriteGroup> out;
  for (int g = 0; g < msg.group_size(); ++g) {
    WriteGroup group;
    const auto* sub = tree.GetTreeForNested(group_field, g);
    for (int j = 0; j < msg.group(g).write_size(); ++j) {
      const auto& w = msg.group(g).write(j);
      if (w.qword() >= 8) {
        const auto loc = sub ? sub->GetLocation(write_field, j) : google::protobuf::TextFormat::ParseLocation();
        errors.push_back({path, loc.line >= 0 ? loc.line + 1 : 0, loc.column + 1,
                          fmt::format("group {} write {}: qword {} is not 0..7", g + 1, j + 1, w.qword())});
        continue;
      }
      group.push_back({w.qword(), w.has_value() ? w.value() : new_entry[w.qword()]});
    }
    out.push_back(std::move(group));
  }
  if (errors.size() != before) return std::nullopt;
  return out;
}

std::optional<std::vector<WriteGroup>> load_sequence(const std::string& path, const Words8& new_entry,
                                                     std::vector<harness::InputError>& errors) {
  std::string text;
  if (!harness::read_file(path, text, errors)) return std::nullopt;
  return parse_sequence(text, path, new_entry, errors);
}

std::optional<EntryFile> load_entry(const std::string& path, std::optional<EntryKind> kind,
                                    std::vector<harness::InputError>& errors, std::string_view kind_from) {
  std::string text;
  if (!harness::read_file(path, text, errors)) return std::nullopt;
  return parse_entry(text, path, kind, errors, kind_from);
}

}  // namespace smmu::driver
