#include "harness/scenario/load.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "specs/lookup.h"

namespace smmu::harness {

std::string InputError::to_string() const {
  if (line > 0) return fmt::format("{}:{}:{}: {}", file, line, column, message);
  return fmt::format("{}: {}", file, message);
}

namespace {

class Collector final : public google::protobuf::io::ErrorCollector {
 public:
  Collector(const std::string& file, std::vector<InputError>& errors) : file_(file), errors_(errors) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back({file_, line + 1, column + 1, message});
  }
  void AddWarning(int line, int column, const std::string& message) override {
    errors_.push_back({file_, line + 1, column + 1, "warning: " + message});
  }

 private:
  const std::string& file_;
  std::vector<InputError>& errors_;
};

bool fits(const Field& f, uint64_t v) { return f.width() >= 64 || (v >> f.width()) == 0; }

// Checks the names and values of one step; problems are appended as plain messages.
void check_step(const smmucheck::Step& s, std::vector<std::string>& p) {
  auto check_fields = [&](std::span<const Field> table, const auto& fields, const char* what) {
    for (const auto& fv : fields) {
      const Field* f = field_by_name(table, fv.name());
      if (!f) p.push_back(fmt::format("unknown {} field '{}'", what, fv.name()));
      else if (!fits(*f, fv.value()))
        p.push_back(fmt::format("{} field '{}' is {} bits wide; {:#x} does not fit", what, fv.name(), f->width(), fv.value()));
    }
  };
  auto check_reg = [&](const std::string& name, bool has_offset, bool has_size, uint32_t size) {
    if (!has_offset && !register_by_name(name)) p.push_back(fmt::format("unknown register '{}'", name));
    if (has_size && size != 4 && size != 8) p.push_back(fmt::format("access size must be 4 or 8, not {}", size));
  };
  auto check_event = [&](const smmucheck::EventExpect& e) {
    if (!event_type_by_name(e.type())) p.push_back(fmt::format("unknown event type '{}'", e.type()));
    check_fields(event::kFields, e.field(), "event");
  };
  switch (s.op_case()) {
    case smmucheck::Step::kMmioWrite: {
      const auto& w = s.mmio_write();
      check_reg(w.reg(), w.has_offset(), w.has_size(), w.size());
      if (w.has_value() == (w.field_size() > 0)) p.push_back("mmio_write needs either value or field, not both");
      for (const auto& fv : w.field()) {
        const Field* f = register_field(fv.name(), w.reg());
        if (!f) p.push_back(fmt::format("register {} has no field '{}'", w.reg(), fv.name()));
        else if (!fits(*f, fv.value())) p.push_back(fmt::format("{:#x} does not fit {}", fv.value(), f->name));
      }
      break;
    }
    case smmucheck::Step::kMmioRead: {
      const auto& r = s.mmio_read();
      check_reg(r.reg(), r.has_offset(), r.has_size(), r.size());
      for (const auto& fv : r.expect_field())
        if (!register_field(fv.name(), r.reg())) p.push_back(fmt::format("register {} has no field '{}'", r.reg(), fv.name()));
      break;
    }
    case smmucheck::Step::kCommands:
      if (s.commands().cmd_size() == 0) p.push_back("commands holds no cmd");
      for (const auto& c : s.commands().cmd()) {
        if (c.raw_size() > 0) {
          if (c.raw_size() != 2) p.push_back("a raw command is exactly two qwords");
          if (!c.opcode().empty() || c.field_size() > 0) p.push_back("a command is either raw or opcode + fields");
        } else if (!opcode_by_name(c.opcode())) {
          p.push_back(fmt::format("unknown opcode '{}'", c.opcode()));
        }
        check_fields(cmd::kFields, c.field(), "command");
      }
      break;
    case smmucheck::Step::kDma:
      if (s.dma().has_expect() && s.dma().expect().has_event()) check_event(s.dma().expect().event());
      if (s.dma().has_expect() && s.dma().expect().has_perms() && s.dma().expect().perms().size() != 3)
        p.push_back("perms is three characters, e.g. \"rw-\"");
      break;
    case smmucheck::Step::kMemWrite:
      if (s.mem_write().qword_size() == 0) p.push_back("mem_write holds no qword");
      break;
    case smmucheck::Step::kMemRead:
      if (s.mem_read().size() != 0 && s.mem_read().size() != 4 && s.mem_read().size() != 8)
        p.push_back("mem_read size is 4 or 8");
      break;
    case smmucheck::Step::kOwner:
      if (s.owner().size() == 0 || s.owner().base() % 4096 || s.owner().size() % 4096)
        p.push_back("owner base and size are whole 4 KiB pages, size > 0");
      else if (s.owner().base() + s.owner().size() - 1 < s.owner().base())
        p.push_back("owner range wraps past 2^64");
      break;
    case smmucheck::Step::kDriver:
      if (s.driver().has_preserve())
        for (const auto& r : s.driver().preserve().range())
          if (r.size() == 0 || r.base() + r.size() - 1 < r.base()) p.push_back("preserve range is empty or wraps past 2^64");
      break;
    case smmucheck::Step::OP_NOT_SET:
      p.push_back("step has no operation");
      break;
    default:
      break;
  }
  if (s.has_expect_events())
    for (const auto& e : s.expect_events().record()) check_event(e);
  if (s.has_expect_violations())
    for (const auto& k : s.expect_violations().kind())
      if (k != "write_containment" && k != "dma_containment")
        p.push_back(fmt::format("expect_violations: unknown kind '{}' (write_containment or dma_containment)", k));
  if (s.has_expect_queue()) {
    const auto& q = s.expect_queue();
    if (q.has_cmdq_error() && !cerror_by_name(q.cmdq_error())) p.push_back(fmt::format("unknown CERROR '{}'", q.cmdq_error()));
    for (const auto& g : q.gerror_active())
      if (!register_field(g, "GERROR")) p.push_back(fmt::format("GERROR has no field '{}'", g));
  }
}

}  // namespace

Features requested_features(const smmucheck::Features& msg, std::vector<std::string>& problems) {
  IdRegs r = Features{}.to_idr();
  if (msg.has_idr0()) r.idr0 = msg.idr0();
  if (msg.has_idr1()) r.idr1 = msg.idr1();
  if (msg.has_idr3()) r.idr3 = msg.idr3();
  if (msg.has_idr5()) r.idr5 = msg.idr5();
  if (msg.has_aidr()) r.aidr = msg.aidr();
  for (const auto& fv : msg.set()) {
    if (fv.name() == "version") {
      uint64_t a = 0;
      regf::AIDR_ArchMinorRev.set(a, fv.value());
      r.aidr = static_cast<uint32_t>(a);
      if (fv.value() > 3) problems.push_back(fmt::format("version {} is not SMMUv3.0-v3.3", fv.value()));
      continue;
    }
    const Field* f = register_field(fv.name());
    std::string_view reg = fv.name();
    reg = reg.substr(0, reg.find('.'));
    uint32_t* word = reg == "IDR0" ? &r.idr0 : reg == "IDR1" ? &r.idr1 : reg == "IDR3" ? &r.idr3
                   : reg == "IDR5" ? &r.idr5 : reg == "AIDR" ? &r.aidr : nullptr;
    if (!f || !word) {
      problems.push_back(fmt::format("unknown feature '{}' (an IDR0/1/3/5 or AIDR field, or version)", fv.name()));
      continue;
    }
    if (!fits(*f, fv.value())) problems.push_back(fmt::format("{:#x} does not fit {}", fv.value(), f->name));
    uint64_t w = *word;
    f->set(w, fv.value());
    *word = static_cast<uint32_t>(w);
  }
  return Features::from_idr(r);
}

bool parse_text(std::string_view text, const std::string& path, google::protobuf::Message& msg,
                google::protobuf::TextFormat::ParseInfoTree& tree, std::vector<InputError>& errors) {
  google::protobuf::TextFormat::Parser parser;
  Collector collector(path, errors);
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  const size_t before = errors.size();
  if (!parser.ParseFromString(std::string(text), &msg)) {
    if (errors.size() == before)
      errors.push_back({path, 0, 0, fmt::format("not a valid {}", msg.GetDescriptor()->name())});
    return false;
  }
  return true;
}

std::optional<LoadedScenario> checked_scenario(smmucheck::Scenario msg, const std::string& path,
                                               std::vector<int> step_line, std::vector<int> step_column,
                                               int features_line, int features_column, std::vector<InputError>& errors) {
  LoadedScenario out;
  out.path = path;
  out.msg = std::move(msg);
  out.step_line = std::move(step_line);
  const size_t before = errors.size();
  for (int i = 0; i < out.msg.step_size(); ++i) {
    std::vector<std::string> problems;
    check_step(out.msg.step(i), problems);
    const int line = i < int(out.step_line.size()) ? out.step_line[i] : 0;
    const int column = i < int(step_column.size()) ? step_column[i] : 0;
    for (const auto& m : problems) errors.push_back({path, line, column, fmt::format("step {}: {}", i, m)});
  }
  std::vector<std::string> problems;
  out.features = requested_features(out.msg.features(), problems);
  for (const auto& m : problems) errors.push_back({path, features_line, features_column, "features: " + m});
  if (errors.size() != before) return std::nullopt;
  return out;
}

std::optional<LoadedScenario> parse_scenario(std::string_view text, const std::string& path,
                                             std::vector<InputError>& errors) {
  smmucheck::Scenario msg;
  google::protobuf::TextFormat::ParseInfoTree tree;
  if (!parse_text(text, path, msg, tree, errors)) return std::nullopt;
  const auto* desc = msg.GetDescriptor();
  std::vector<int> lines, columns;
  for (int i = 0; i < msg.step_size(); ++i) {
    auto loc = tree.GetLocation(desc->FindFieldByName("step"), i);
    lines.push_back(loc.line + 1);
    columns.push_back(loc.column + 1);
  }
  auto floc = tree.GetLocation(desc->FindFieldByName("features"), -1);
  return checked_scenario(std::move(msg), path, std::move(lines), std::move(columns), floc.line + 1, floc.column + 1,
                          errors);
}

bool read_file(const std::string& path, std::string& text, std::vector<InputError>& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({path, 0, 0, "cannot open the file"});
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  text = ss.str();
  return true;
}

std::optional<LoadedScenario> load_scenario(const std::string& path, std::vector<InputError>& errors) {
  std::string text;
  if (!read_file(path, text, errors)) return std::nullopt;
  return parse_scenario(text, path, errors);
}

}  // namespace smmu::harness
