#include "reference/smmu.h"

#include "reference/context.h"
#include "reference/translate.h"

namespace smmu::ref {

Features ReferenceSmmu::implemented() {
  Features f;
  f.s1p = f.s2p = true;
  f.ttf_aarch32 = false;
  f.ttf_aarch64 = true;
  f.httu = 0;
  f.hyp = true;
  f.ats = f.pri = f.atos = f.vatos = f.sev = f.btm = false;
  f.asid16 = f.vmid16 = f.msi = f.cd2l = true;
  f.ttendian = 0b10;
  f.stall_model = 0b01;
  f.st_level = 1;
  f.sidsize = 32;
  f.ssidsize = 20;
  f.eventqs = f.cmdqs = 19;
  f.priqs = 0;
  f.attr_perms_ovr = f.attr_types_ovr = true;
  f.had = f.xnx = f.stt = f.ril = f.e0pd = true;
  f.fwb = false;
  f.bbml = 0;
  f.oas = 6;
  f.gran4k = f.gran16k = f.gran64k = true;
  f.ds = false;
  f.vax = 0;
  f.version = ArchVersion::V3_3;
  return f;
}

ReferenceSmmu::ReferenceSmmu(const Features& requested, Memory& memory)
    : features_(requested.clamp_to(implemented())), memory_(memory) {}

uint64_t ReferenceSmmu::mmio_read(uint32_t offset, unsigned size) {
  const IdRegs id = features_.to_idr();
  switch (offset) {
    case reg::IDR0.offset: return id.idr0;
    case reg::IDR1.offset: return id.idr1;
    case reg::IDR3.offset: return id.idr3;
    case reg::IDR5.offset: return id.idr5;
    case reg::IIDR.offset: return id.iidr;
    case reg::AIDR.offset: return id.aidr;
    case reg::CR0.offset:
    case reg::CR0ACK.offset: return regs_.cr0;
    case reg::CR2.offset: return regs_.cr2;
    case reg::GBPA.offset: return regs_.gbpa;
    case reg::STRTAB_BASE.offset: return size == 8 ? regs_.strtab_base : uint32_t(regs_.strtab_base);
    case reg::STRTAB_BASE.offset + 4: return regs_.strtab_base >> 32;
    case reg::STRTAB_BASE_CFG.offset: return regs_.strtab_base_cfg;
    default: return 0;
  }
}

void ReferenceSmmu::mmio_write(uint32_t offset, unsigned size, uint64_t value) {
  switch (offset) {
    case reg::CR0.offset: regs_.cr0 = static_cast<uint32_t>(value); break;
    case reg::CR2.offset: regs_.cr2 = static_cast<uint32_t>(value); break;
    case reg::GBPA.offset: {
      // §6.3.14: a write takes effect only with Update = 1, which completes at once here.
      uint64_t v = value;
      if (regf::GBPA_Update.get(v)) {
        regf::GBPA_Update.set(v, 0);
        regs_.gbpa = static_cast<uint32_t>(v);
      }
      break;
    }
    case reg::STRTAB_BASE.offset:
      regs_.strtab_base = size == 8 ? value : (regs_.strtab_base & ~0xFFFFFFFFull) | (value & 0xFFFFFFFF);
      break;
    case reg::STRTAB_BASE.offset + 4:
      regs_.strtab_base = (regs_.strtab_base & 0xFFFFFFFF) | (value << 32);
      break;
    case reg::STRTAB_BASE_CFG.offset: regs_.strtab_base_cfg = static_cast<uint32_t>(value); break;
    default: break;
  }
}

Outcome ReferenceSmmu::translate(const Transaction& t, WalkObserver* observer) {
  Ctx ctx{.f = features_, .mem = memory_, .obs = observer, .regs = regs_, .txn = t};
  return translate_transaction(ctx);
}

}  // namespace smmu::ref
