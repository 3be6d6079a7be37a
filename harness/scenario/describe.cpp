#include "harness/scenario/describe.h"

#include <fmt/format.h>
#include <vector>

#include "harness/runner/runner.h"
#include "specs/lookup.h"
#include "specs/print.h"

namespace smmu::harness {

namespace {

std::string register_value(uint32_t offset, uint64_t v) {
  const Register* r = register_at(offset);
  std::string name = r ? r->name : fmt::format("offset {:#x}", offset);
  std::string fields;
  if (r) {
    for (const Field& f : regf::kFields) {
      std::string_view fname = f.name;
      if (!fname.starts_with(std::string(r->name) + ".") || f.get(v) == 0) continue;
      fields += fmt::format(" {}={:#x}", fname.substr(std::string_view(r->name).size() + 1), f.get(v));
    }
  }
  return fmt::format("{} = {:#x}{}", name, v, fields.empty() ? "" : " (" + fields.substr(1) + ")");
}

// Text format on one line, with 64-bit numbers (addresses) in hex.
std::string compact(const google::protobuf::Message& m) {
  using google::protobuf::FieldDescriptor;
  const auto* refl = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  std::string out;
  for (const FieldDescriptor* f : fields) {
    if (!out.empty()) out += ' ';
    if (f->is_repeated()) {
      out += fmt::format("{}: [{} values]", f->name(), refl->FieldSize(m, f));
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: out += fmt::format("{} {{ {} }}", f->name(), compact(refl->GetMessage(m, f))); break;
      case FieldDescriptor::CPPTYPE_UINT64: out += fmt::format("{}: {:#x}", f->name(), refl->GetUInt64(m, f)); break;
      case FieldDescriptor::CPPTYPE_UINT32: out += fmt::format("{}: {}", f->name(), refl->GetUInt32(m, f)); break;
      case FieldDescriptor::CPPTYPE_BOOL: out += fmt::format("{}: {}", f->name(), refl->GetBool(m, f)); break;
      case FieldDescriptor::CPPTYPE_ENUM: out += fmt::format("{}: {}", f->name(), refl->GetEnum(m, f)->name()); break;
      case FieldDescriptor::CPPTYPE_STRING: out += fmt::format("{}: \"{}\"", f->name(), refl->GetString(m, f)); break;
      default: out += f->name(); break;
    }
  }
  return out;
}

}  // namespace

std::string describe_step(const smmucheck::Step& s) {
  switch (s.op_case()) {
    case smmucheck::Step::kMmioWrite: {
      const MmioAccess a = mmio_access(s.mmio_write());
      return "mmio_write " + register_value(a.offset, a.value);
    }
    case smmucheck::Step::kMmioRead: {
      const MmioAccess a = mmio_access(s.mmio_read());
      const Register* r = register_at(a.offset);
      return fmt::format("mmio_read {}", r ? r->name : fmt::format("{:#x}", a.offset));
    }
    case smmucheck::Step::kMemWrite: {
      std::string words;
      for (int i = 0; i < s.mem_write().qword_size() && i < 8; ++i) words += fmt::format(" {:#x}", s.mem_write().qword(i));
      if (s.mem_write().qword_size() > 8) words += fmt::format(" ... ({} qwords)", s.mem_write().qword_size());
      return fmt::format("mem_write {:#x}:{}", s.mem_write().addr(), words);
    }
    case smmucheck::Step::kMemRead:
      return fmt::format("mem_read {:#x} ({} bytes)", s.mem_read().addr(), s.mem_read().size() == 4 ? 4 : 8);
    case smmucheck::Step::kCommands: {
      std::string out = "commands:";
      for (const auto& c : s.commands().cmd()) out += " " + format_command(encode_command(c)) + ";";
      out.pop_back();
      return out;
    }
    case smmucheck::Step::kDma: {
      const auto& d = s.dma();
      return fmt::format("dma sid={:#x}{} addr={:#x} {}{}", d.sid(), d.has_ssid() ? fmt::format(" ssid={:#x}", d.ssid()) : "",
                         d.addr(), smmucheck::Access_Name(d.access()), d.priv() ? " priv" : "");
    }
    case smmucheck::Step::kKexec:
      return fmt::format("kexec seed={}", s.kexec().seed());
    case smmucheck::Step::kOwner:
      return fmt::format("owner {:#x}+{:#x} {}", s.owner().base(), s.owner().size(), smmucheck::OwnerKind_Name(s.owner().kind()));
    case smmucheck::Step::kPreservedStream:
      return fmt::format("preserved_stream sid={:#x}", s.preserved_stream().sid());
    case smmucheck::Step::kDriver:
      return "driver " + compact(s.driver());
    default:
      return "(empty step)";
  }
}

}  // namespace smmu::harness
