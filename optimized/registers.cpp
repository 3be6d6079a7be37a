// The Non-secure register file (§6.2, §6.3): access sizes, RES0 bits, registers that are read-only while
// the unit they configure is enabled (writes IGNORED, specs/unpredictable.def REG_WRITE_WHILE_ENABLED),
// the CR0/IRQ_CTRL handshakes completing at once, GBPA Update, GERRORN acknowledgement, and the page-1
// EVENTQ_PROD/CONS (page-0 0xA8/0xAC RAZ/WI: PAGE0_QUEUE_ALIAS).
#include "optimized/smmu.h"
#include "optimized/walk.h"

namespace smmu::opt {
namespace {

uint32_t mask_of(std::initializer_list<Field> fields) {
  uint64_t m = 0;
  for (const Field& f : fields) m |= f.mask_in_place();
  return static_cast<uint32_t>(m);
}

constexpr uint32_t kIndexBits = 0xFFFFF;  // PROD/CONS [19:0]: index and wrap bit (§6.3.27)

unsigned capped(uint64_t base, unsigned max) {
  const unsigned l = static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base));
  return l < max ? l : max;
}

}  // namespace

Features OptimizedSmmu::implemented() {
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

OptimizedSmmu::OptimizedSmmu(const Features& requested, Memory& memory, const Sizes& sizes)
    : features_(requested.clamp_to(implemented())), memory_(memory),
      config_(sizes.ste_cache_log2, sizes.cd_cache_log2), tlb_(sizes.tlb_log2), walk_cache_(sizes.walk_cache_log2),
      memo_sets_log2_(sizes.memo_sets_log2), memo_(size_t{kMemoWays} << sizes.memo_sets_log2) {}

bool OptimizedSmmu::reg64(uint32_t off) const {
  switch (off) {
    case reg::GERROR_IRQ_CFG0.offset:
    case reg::STRTAB_BASE.offset:
    case reg::CMDQ_BASE.offset:
    case reg::EVENTQ_BASE.offset:
    case reg::EVENTQ_IRQ_CFG0.offset: return true;
    default: return false;
  }
}

uint64_t OptimizedSmmu::read32(uint32_t off) const {
  const Registers& r = regs_;
  const IdRegs id = features_.to_idr();
  const bool hi = off & 4;
  auto half = [&](uint64_t v) { return hi ? v >> 32 : v & 0xFFFF'FFFF; };
  switch (off & ~uint32_t{4}) {
    case reg::GERROR_IRQ_CFG0.offset: return half(r.gerror_irq_cfg0);
    case reg::STRTAB_BASE.offset: return half(r.strtab_base);
    case reg::CMDQ_BASE.offset: return half(r.cmdq_base);
    case reg::EVENTQ_BASE.offset: return half(r.eventq_base);
    case reg::EVENTQ_IRQ_CFG0.offset: return half(r.eventq_irq_cfg0);
    default: break;
  }
  switch (off) {
    case reg::IDR0.offset: return id.idr0;
    case reg::IDR1.offset: return id.idr1;
    case reg::IDR2.offset: return id.idr2;
    case reg::IDR3.offset: return id.idr3;
    case reg::IDR4.offset: return id.idr4;
    case reg::IDR5.offset: return id.idr5;
    case reg::IIDR.offset: return id.iidr;
    case reg::AIDR.offset: return id.aidr;
    case reg::CR0.offset: return r.cr0;
    case reg::CR0ACK.offset: return r.cr0ack;
    case reg::CR1.offset: return r.cr1;
    case reg::CR2.offset: return r.cr2;
    case reg::GBPA.offset: return r.gbpa;
    case reg::IRQ_CTRL.offset: return r.irq_ctrl;
    case reg::IRQ_CTRLACK.offset: return r.irq_ctrlack;
    case reg::GERROR.offset: return r.gerror;
    case reg::GERRORN.offset: return r.gerrorn;
    case reg::GERROR_IRQ_CFG1.offset: return r.gerror_irq_cfg1;
    case reg::GERROR_IRQ_CFG2.offset: return r.gerror_irq_cfg2;
    case reg::STRTAB_BASE_CFG.offset: return r.strtab_base_cfg;
    case reg::CMDQ_PROD.offset: return r.cmdq_prod;
    case reg::CMDQ_CONS.offset: {
      // §6.3.28: bits [19:QS+1] RAZ.
      const unsigned qs = capped(r.cmdq_base, features_.cmdqs);
      return (r.cmdq_cons & regf::CMDQ_CONS_ERR.mask_in_place()) | (r.cmdq_cons & low_mask(qs + 1));
    }
    case reg::EVENTQ_IRQ_CFG1.offset: return r.eventq_irq_cfg1;
    case reg::EVENTQ_IRQ_CFG2.offset: return r.eventq_irq_cfg2;
    case reg::EVENTQ_PROD.offset: {
      const unsigned qs = capped(r.eventq_base, features_.eventqs);  // §6.3.95: [19:QS+1] RAZ
      return (r.eventq_prod & regf::EVENTQ_PROD_OVFLG.mask_in_place()) | (r.eventq_prod & low_mask(qs + 1));
    }
    case reg::EVENTQ_CONS.offset: return r.eventq_cons;
    default: return 0;  // RES0, Reserved, absent (PRIQ_*, page-0 0xA8/0xAC) and IMPLEMENTATION DEFINED areas
  }
}

void OptimizedSmmu::write64(uint32_t off, uint64_t v) {
  Registers& r = regs_;
  const uint32_t ack = r.cr0ack | r.cr0;  // a field is "enabled" while CR0 or CR0ACK holds it
  const uint32_t irq = r.irq_ctrl | r.irq_ctrlack;
  const uint64_t oas = low_mask(features_.oas_bits());
  switch (off) {
    case reg::GERROR_IRQ_CFG0.offset:
      if (features_.msi && !regf::IRQ_CTRL_GERROR_IRQEN.get(irq))
        r.gerror_irq_cfg0 = v & regf::IRQ_CFG0_ADDR.mask_in_place() & oas;
      return;
    case reg::EVENTQ_IRQ_CFG0.offset:
      if (features_.msi && !regf::IRQ_CTRL_EVENTQ_IRQEN.get(irq))
        r.eventq_irq_cfg0 = v & regf::IRQ_CFG0_ADDR.mask_in_place() & oas;
      return;
    case reg::STRTAB_BASE.offset:
      if (!regf::CR0_SMMUEN.get(ack)) {
        r.strtab_base = v & ((regf::STRTAB_BASE_ADDR.mask_in_place() & oas) | regf::STRTAB_BASE_RA.mask_in_place());
        config_.clear();
      }
      return;
    case reg::CMDQ_BASE.offset:
      if (!regf::CR0_CMDQEN.get(ack))
        r.cmdq_base = v & ((regf::QUEUE_BASE_ADDR.mask_in_place() & oas) | regf::QUEUE_BASE_RA_WA.mask_in_place() |
                           regf::QUEUE_BASE_LOG2SIZE.mask_in_place());
      return;
    case reg::EVENTQ_BASE.offset:
      if (!regf::CR0_EVENTQEN.get(ack))
        r.eventq_base = v & ((regf::QUEUE_BASE_ADDR.mask_in_place() & oas) | regf::QUEUE_BASE_RA_WA.mask_in_place() |
                             regf::QUEUE_BASE_LOG2SIZE.mask_in_place());
      return;
  }
}

void OptimizedSmmu::write32(uint32_t off, uint32_t v) {
  Registers& r = regs_;
  if (reg64(off & ~uint32_t{4})) {
    const uint32_t base = off & ~uint32_t{4};
    const uint64_t cur = read32(base) | (read32(base + 4) << 32);
    const uint64_t next = (off & 4) ? (cur & 0xFFFF'FFFFull) | (uint64_t{v} << 32) : (cur & ~0xFFFF'FFFFull) | v;
    return write64(base, next);
  }
  const uint32_t ack = r.cr0ack | r.cr0;
  const uint32_t irq = r.irq_ctrl | r.irq_ctrlack;
  switch (off) {
    case reg::CR0.offset: {
      const uint32_t before = r.cr0;
      r.cr0 = v & mask_of({regf::CR0_SMMUEN, regf::CR0_EVENTQEN, regf::CR0_CMDQEN});
      r.cr0ack = r.cr0;  // §6.3.9: the Update completes at once
      // Enabling translation starts from empty caches (invalidation is always permitted, §3.21).
      if (regf::CR0_SMMUEN.get(r.cr0) && !regf::CR0_SMMUEN.get(before)) flush_all_caches();
      if (regf::CR0_CMDQEN.get(r.cr0)) process_commands();  // §7.1: processing may resume
      return;
    }
    case reg::CR1.offset: {
      const uint32_t table = mask_of({regf::CR1_TABLE_IC, regf::CR1_TABLE_OC, regf::CR1_TABLE_SH});
      const uint32_t queue = mask_of({regf::CR1_QUEUE_IC, regf::CR1_QUEUE_OC, regf::CR1_QUEUE_SH});
      uint32_t m = 0;
      if (!regf::CR0_SMMUEN.get(ack)) m |= table;
      if (!regf::CR0_CMDQEN.get(ack) && !regf::CR0_EVENTQEN.get(ack)) m |= queue;
      r.cr1 = (r.cr1 & ~m) | (v & m);
      return;
    }
    case reg::CR2.offset:
      if (!regf::CR0_SMMUEN.get(ack)) {
        uint32_t m = mask_of({regf::CR2_RECINVSID});
        if (features_.hyp) m |= mask_of({regf::CR2_E2H});
        r.cr2 = v & m;
        config_.clear();  // the StreamWorld of cached STEs depends on E2H
      }
      return;
    case reg::GBPA.offset:
      // §6.3.14: only a write with Update = 1 takes effect (GBPA_WRITE_WITHOUT_UPDATE = ignored); the
      // Update completes at once.
      if (regf::GBPA_Update.get(v))
        r.gbpa = v & mask_of({regf::GBPA_MemAttr, regf::GBPA_MTCFG, regf::GBPA_ALLOCCFG, regf::GBPA_SHCFG,
                              regf::GBPA_PRIVCFG, regf::GBPA_INSTCFG, regf::GBPA_ABORT});
      return;
    case reg::IRQ_CTRL.offset:
      r.irq_ctrl = v & mask_of({regf::IRQ_CTRL_GERROR_IRQEN, regf::IRQ_CTRL_EVENTQ_IRQEN});
      r.irq_ctrlack = r.irq_ctrl;
      return;
    case reg::GERRORN.offset: {
      uint32_t m = mask_of({regf::GERROR_CMDQ_ERR, regf::GERROR_EVENTQ_ABT_ERR, regf::GERROR_SFM_ERR});
      if (features_.msi)
        m |= mask_of({regf::GERROR_MSI_CMDQ_ABT_ERR, regf::GERROR_MSI_EVENTQ_ABT_ERR, regf::GERROR_MSI_GERROR_ABT_ERR});
      const bool was_active = regf::GERROR_CMDQ_ERR.get(r.gerror) != regf::GERROR_CMDQ_ERR.get(r.gerrorn);
      r.gerrorn = v & m;
      const bool active = regf::GERROR_CMDQ_ERR.get(r.gerror) != regf::GERROR_CMDQ_ERR.get(r.gerrorn);
      if (was_active && !active) process_commands();  // §7.1: acknowledging CMDQ_ERR resumes processing
      return;
    }
    case reg::GERROR_IRQ_CFG1.offset:
      if (features_.msi && !regf::IRQ_CTRL_GERROR_IRQEN.get(irq)) r.gerror_irq_cfg1 = v;
      return;
    case reg::GERROR_IRQ_CFG2.offset:
      if (features_.msi && !regf::IRQ_CTRL_GERROR_IRQEN.get(irq))
        r.gerror_irq_cfg2 = v & mask_of({regf::IRQ_CFG2_MemAttr, regf::IRQ_CFG2_SH});
      return;
    case reg::EVENTQ_IRQ_CFG1.offset:
      if (features_.msi && !regf::IRQ_CTRL_EVENTQ_IRQEN.get(irq)) r.eventq_irq_cfg1 = v;
      return;
    case reg::EVENTQ_IRQ_CFG2.offset:
      if (features_.msi && !regf::IRQ_CTRL_EVENTQ_IRQEN.get(irq))
        r.eventq_irq_cfg2 = v & mask_of({regf::IRQ_CFG2_MemAttr, regf::IRQ_CFG2_SH});
      return;
    case reg::STRTAB_BASE_CFG.offset:
      if (!regf::CR0_SMMUEN.get(ack)) {
        uint32_t m = mask_of({regf::STRTAB_BASE_CFG_LOG2SIZE});
        if (features_.st_level != 0) m |= mask_of({regf::STRTAB_BASE_CFG_SPLIT, regf::STRTAB_BASE_CFG_FMT});
        r.strtab_base_cfg = v & m;
        config_.clear();
      }
      return;
    case reg::CMDQ_PROD.offset:
      r.cmdq_prod = v & kIndexBits;  // §6.3.27: always RW; [19:QS+1] "might be stored"
      process_commands();
      return;
    case reg::CMDQ_CONS.offset:
      if (!regf::CR0_CMDQEN.get(ack))
        r.cmdq_cons = v & (kIndexBits | static_cast<uint32_t>(regf::CMDQ_CONS_ERR.mask_in_place()));
      return;
    case reg::EVENTQ_PROD.offset:
      if (!regf::CR0_EVENTQEN.get(ack))
        r.eventq_prod = v & (kIndexBits | static_cast<uint32_t>(regf::EVENTQ_PROD_OVFLG.mask_in_place()));
      return;
    case reg::EVENTQ_CONS.offset:
      r.eventq_cons = v & (kIndexBits | static_cast<uint32_t>(regf::EVENTQ_CONS_OVACKFLG.mask_in_place()));
      return;
    default: return;  // read-only, RES0 or absent
  }
}

uint64_t OptimizedSmmu::mmio_read(uint32_t off, unsigned size) {
  if (off & 3) return 0;  // an unaligned access: RAZ/WI (§6.2 CONSTRAINED UNPREDICTABLE)
  if (size == 4) return read32(off);
  if (size != 8) return 0;
  // A 64-bit register, or a pair of 32-bit locations read as two accesses (MMIO_64BIT_PAIR).
  return read32(off) | (read32(off + 4) << 32);
}

void OptimizedSmmu::mmio_write(uint32_t off, unsigned size, uint64_t v) {
  config_changed();  // the fast path's memo depends on registers (CR0, CR2, STRTAB_BASE_CFG, ...)
  if (off & 3) return;
  if (size == 4) return write32(off, static_cast<uint32_t>(v));
  if (size != 8) return;
  if (!(off & 7) && reg64(off)) return write64(off, v);
  write32(off, static_cast<uint32_t>(v));  // MMIO_64BIT_PAIR = two_accesses_low_first
  write32(off + 4, static_cast<uint32_t>(v >> 32));
}

}  // namespace smmu::opt
