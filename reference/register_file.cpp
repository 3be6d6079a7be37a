// The register file of the Non-secure programming interface (Arm IHI 0070 §6.2, §6.3): which registers
// exist, which bits are RES0, and which writes the current state makes IGNORED. Handshakes (CR0ACK,
// IRQ_CTRLACK, GBPA.Update) complete at once (ARCHITECTURE.md).
#include <initializer_list>

#include "reference/queue.h"
#include "reference/smmu.h"
#include "specs/lookup.h"

namespace smmu::ref {

namespace {

uint64_t mask_of(std::initializer_list<Field> fields) {
  uint64_t m = 0;
  for (const Field& f : fields) m |= f.mask_in_place();
  return m;
}

}  // namespace

bool ReferenceSmmu::is_64bit_register(uint32_t offset) const {
  for (const Register* r : {&reg::GERROR_IRQ_CFG0, &reg::STRTAB_BASE, &reg::CMDQ_BASE, &reg::EVENTQ_BASE,
                            &reg::EVENTQ_IRQ_CFG0})
    if (offset == r->offset) return true;
  return false;
}

uint64_t ReferenceSmmu::read_register(uint32_t offset) const {
  const IdRegs& id = idregs_;
  // §6.3.21, §6.3.30 (and CFG1/CFG2): the *_IRQ_CFGn registers are present only when IDR0.MSI == 1.
  const bool msi = features_.msi;
  switch (offset) {
    case reg::IDR0.offset: return id.idr0;
    case reg::IDR1.offset: return id.idr1;
    case reg::IDR3.offset: return id.idr3;
    case reg::IDR5.offset: return id.idr5;
    case reg::IIDR.offset: return id.iidr;
    case reg::AIDR.offset: return id.aidr;
    case reg::CR0.offset: return regs_.cr0;
    case reg::CR0ACK.offset: return regs_.cr0ack;
    case reg::CR1.offset: return regs_.cr1;
    case reg::CR2.offset: return regs_.cr2;
    case reg::GBPA.offset: return regs_.gbpa;
    case reg::IRQ_CTRL.offset: return regs_.irq_ctrl;
    case reg::IRQ_CTRLACK.offset: return regs_.irq_ctrlack;
    case reg::GERROR.offset: return regs_.gerror;
    case reg::GERRORN.offset: return regs_.gerrorn;
    case reg::GERROR_IRQ_CFG0.offset: return msi ? regs_.gerror_irq_cfg0 : 0;
    case reg::GERROR_IRQ_CFG1.offset: return msi ? regs_.gerror_irq_cfg1 : 0;
    case reg::GERROR_IRQ_CFG2.offset: return msi ? regs_.gerror_irq_cfg2 : 0;
    case reg::STRTAB_BASE.offset: return regs_.strtab_base;
    case reg::STRTAB_BASE_CFG.offset: return regs_.strtab_base_cfg;
    case reg::CMDQ_BASE.offset: return regs_.cmdq_base;
    case reg::CMDQ_PROD.offset: return regs_.cmdq_prod;
    case reg::CMDQ_CONS.offset: {
      // §6.3.28: if QS < 19, bits [19:QS+1] are RAZ (QS is LOG2SIZE capped at IDR1.CMDQS, §6.3.26).
      const Queue q = Queue::from_base_register(regs_.cmdq_base, features_.cmdqs, 16, features_.oas_bits());
      return regs_.cmdq_cons & (q.mask() | regf::CMDQ_CONS_ERR.mask_in_place());
    }
    case reg::EVENTQ_BASE.offset: return regs_.eventq_base;
    case reg::EVENTQ_PROD.offset: {
      // §6.3.95: if QS < 19, bits [19:QS+1] are RAZ (QS is LOG2SIZE capped at IDR1.EVENTQS, §6.3.29).
      const Queue q = Queue::from_base_register(regs_.eventq_base, features_.eventqs, 32, features_.oas_bits());
      return regs_.eventq_prod & (q.mask() | regf::EVENTQ_PROD_OVFLG.mask_in_place());
    }
    case reg::EVENTQ_CONS.offset: return regs_.eventq_cons;
    case reg::EVENTQ_IRQ_CFG0.offset: return msi ? regs_.eventq_irq_cfg0 : 0;
    case reg::EVENTQ_IRQ_CFG1.offset: return msi ? regs_.eventq_irq_cfg1 : 0;
    case reg::EVENTQ_IRQ_CFG2.offset: return msi ? regs_.eventq_irq_cfg2 : 0;
    default:
      // Reserved offsets, the PRI queue (IDR0.PRI = 0), the optional page-0 aliases of the page-1
      // EVENTQ_PROD/CONS (we choose RAZ/WI: PAGE0_QUEUE_ALIAS) read as zero.
      return 0;
  }
}

void ReferenceSmmu::write_register(uint32_t offset, uint64_t v) {
  using namespace regf;
  const bool smmuen = CR0_SMMUEN.get(regs_.cr0) || CR0_SMMUEN.get(regs_.cr0ack);
  const bool cmdqen = CR0_CMDQEN.get(regs_.cr0) || CR0_CMDQEN.get(regs_.cr0ack);
  const bool eventqen = CR0_EVENTQEN.get(regs_.cr0) || CR0_EVENTQEN.get(regs_.cr0ack);
  // §6.3.x: a register that is read-only in the current state ignores writes (the only behaviour from
  // SMMUv3.2; we choose it for earlier versions too: REG_WRITE_WHILE_ENABLED).
  auto ignored = [&](const Register& r, const char* why) {
    note(r.section, "write of {:#x} to {} IGNORED: {}", v, r.name, why);
  };
  const uint64_t addr_mask = (features_.oas_bits() >= 56) ? ~0ull : ((uint64_t{1} << features_.oas_bits()) - 1);
  switch (offset) {
    case reg::CR0.offset: {
      const uint32_t old = regs_.cr0;
      regs_.cr0 = static_cast<uint32_t>(v & mask_of({CR0_SMMUEN, CR0_EVENTQEN, CR0_CMDQEN}));
      regs_.cr0ack = regs_.cr0;  // §6.3.10: the update completes at once
      note("6.3.9", "CR0 = {:#x}: SMMUEN={} EVENTQEN={} CMDQEN={} (CR0ACK follows at once)", regs_.cr0,
           CR0_SMMUEN.get(regs_.cr0), CR0_EVENTQEN.get(regs_.cr0), CR0_CMDQEN.get(regs_.cr0));
      if (!CR0_CMDQEN.get(old) && CR0_CMDQEN.get(regs_.cr0)) process_commands();  // §7.1: enabling resumes
      break;
    }
    case reg::CR1.offset: {
      // §6.3.11: QUEUE_* are read-only while a queue is enabled, TABLE_* while SMMUEN is set.
      const uint64_t queue = mask_of({CR1_QUEUE_IC, CR1_QUEUE_OC, CR1_QUEUE_SH});
      const uint64_t table = mask_of({CR1_TABLE_IC, CR1_TABLE_OC, CR1_TABLE_SH});
      uint64_t writable = (cmdqen || eventqen ? 0 : queue) | (smmuen ? 0 : table);
      regs_.cr1 = static_cast<uint32_t>((regs_.cr1 & ~writable) | (v & writable));
      if (writable != (queue | table)) note("6.3.11", "CR1 fields of enabled units are read-only");
      break;
    }
    case reg::CR2.offset: {
      if (smmuen) return ignored(reg::CR2, "SMMUEN == 1");
      uint64_t m = CR2_RECINVSID.mask_in_place();
      if (features_.hyp) m |= CR2_E2H.mask_in_place();
      if (features_.btm) m |= CR2_PTM.mask_in_place();
      regs_.cr2 = static_cast<uint32_t>(v & m);
      break;
    }
    case reg::GBPA.offset: {
      // §6.3.14: only a write with Update = 1 takes effect (IGNORED otherwise from SMMUv3.2).
      if (!GBPA_Update.get(v)) return ignored(reg::GBPA, "Update == 0");
      uint64_t m = mask_of({GBPA_ABORT});
      if (features_.attr_types_ovr) m |= mask_of({GBPA_MemAttr, GBPA_MTCFG, GBPA_ALLOCCFG, GBPA_SHCFG});
      if (features_.attr_perms_ovr) m |= mask_of({GBPA_PRIVCFG, GBPA_INSTCFG});
      regs_.gbpa = static_cast<uint32_t>(v & m);  // the update completes at once: Update reads 0
      break;
    }
    case reg::IRQ_CTRL.offset:
      regs_.irq_ctrl = static_cast<uint32_t>(v & mask_of({IRQ_CTRL_GERROR_IRQEN, IRQ_CTRL_EVENTQ_IRQEN}));
      regs_.irq_ctrlack = regs_.irq_ctrl;  // §6.3.18: the Update completes at once
      break;
    case reg::GERRORN.offset: {
      // §6.3.20: acknowledging CMDQ_ERR (GERRORN.CMDQ_ERR == GERROR.CMDQ_ERR) lets consumption resume.
      const bool was_active = gerror_active(GERROR_CMDQ_ERR);
      // §6.3.19, §6.3.20: MSI_*_ABT_ERR exist only when IDR0.MSI == 1; otherwise they are RES0 in both.
      uint64_t m = mask_of({GERROR_CMDQ_ERR, GERROR_EVENTQ_ABT_ERR, GERROR_SFM_ERR});
      if (features_.msi) m |= mask_of({GERROR_MSI_CMDQ_ABT_ERR, GERROR_MSI_EVENTQ_ABT_ERR, GERROR_MSI_GERROR_ABT_ERR});
      regs_.gerrorn = static_cast<uint32_t>(v & m);
      if (was_active && !gerror_active(GERROR_CMDQ_ERR)) {
        note("7.1", "CMDQ_ERR acknowledged: command consumption resumes at CMDQ_CONS");
        process_commands();
      }
      break;
    }
    case reg::GERROR_IRQ_CFG0.offset:
    case reg::GERROR_IRQ_CFG1.offset:
    case reg::GERROR_IRQ_CFG2.offset:
      // §6.3.21: present only when IDR0.MSI == 1, otherwise RES0.
      if (!features_.msi) return ignored(*register_at(offset), "IDR0.MSI == 0: RES0");
      // §6.3.21: RW only when IRQ_CTRL.GERROR_IRQEN == 0 and IRQ_CTRLACK.GERROR_IRQEN == 0.
      if (IRQ_CTRL_GERROR_IRQEN.get(regs_.irq_ctrl) || IRQ_CTRL_GERROR_IRQEN.get(regs_.irq_ctrlack))
        return ignored(*register_at(offset), "GERROR_IRQEN == 1");
      if (offset == reg::GERROR_IRQ_CFG0.offset) regs_.gerror_irq_cfg0 = v & IRQ_CFG0_ADDR.mask_in_place() & addr_mask;
      if (offset == reg::GERROR_IRQ_CFG1.offset) regs_.gerror_irq_cfg1 = static_cast<uint32_t>(v);
      if (offset == reg::GERROR_IRQ_CFG2.offset) regs_.gerror_irq_cfg2 = static_cast<uint32_t>(v & mask_of({IRQ_CFG2_MemAttr, IRQ_CFG2_SH}));
      break;
    case reg::STRTAB_BASE.offset:
      if (smmuen) return ignored(reg::STRTAB_BASE, "SMMUEN == 1");
      regs_.strtab_base = v & mask_of({STRTAB_BASE_ADDR, STRTAB_BASE_RA}) & (addr_mask | STRTAB_BASE_RA.mask_in_place());
      break;
    case reg::STRTAB_BASE_CFG.offset: {
      if (smmuen) return ignored(reg::STRTAB_BASE_CFG, "SMMUEN == 1");
      uint64_t m = STRTAB_BASE_CFG_LOG2SIZE.mask_in_place();
      if (features_.st_level) m |= mask_of({STRTAB_BASE_CFG_SPLIT, STRTAB_BASE_CFG_FMT});
      regs_.strtab_base_cfg = static_cast<uint32_t>(v & m);
      break;
    }
    case reg::CMDQ_BASE.offset:
      if (cmdqen) return ignored(reg::CMDQ_BASE, "CMDQEN == 1");
      // §6.3.26: ADDR bits above IDR5.OAS are RES0 (not stored; §6.2: RES0 bits read as zero).
      regs_.cmdq_base = v & mask_of({QUEUE_BASE_LOG2SIZE, QUEUE_BASE_ADDR, QUEUE_BASE_RA_WA}) &
                        (addr_mask | QUEUE_BASE_RA_WA.mask_in_place());
      break;
    case reg::CMDQ_PROD.offset:
      regs_.cmdq_prod = static_cast<uint32_t>(v & 0xFFFFF);  // §6.3.27: WR and WR_WRAP within [19:0]
      process_commands();
      break;
    case reg::CMDQ_CONS.offset:
      if (cmdqen) return ignored(reg::CMDQ_CONS, "CMDQEN == 1");
      regs_.cmdq_cons = static_cast<uint32_t>(v & (0xFFFFF | CMDQ_CONS_ERR.mask_in_place()));
      break;
    case reg::EVENTQ_BASE.offset:
      if (eventqen) return ignored(reg::EVENTQ_BASE, "EVENTQEN == 1");
      // §6.3.29: ADDR bits above IDR5.OAS are RES0 (not stored; §6.2: RES0 bits read as zero).
      regs_.eventq_base = v & mask_of({QUEUE_BASE_LOG2SIZE, QUEUE_BASE_ADDR, QUEUE_BASE_RA_WA}) &
                          (addr_mask | QUEUE_BASE_RA_WA.mask_in_place());
      break;
    case reg::EVENTQ_PROD.offset:
      if (eventqen) return ignored(reg::EVENTQ_PROD, "EVENTQEN == 1");
      regs_.eventq_prod = static_cast<uint32_t>(v & (0xFFFFF | EVENTQ_PROD_OVFLG.mask_in_place()));
      break;
    case reg::EVENTQ_CONS.offset:
      regs_.eventq_cons = static_cast<uint32_t>(v & (0xFFFFF | EVENTQ_CONS_OVACKFLG.mask_in_place()));
      break;
    case reg::EVENTQ_IRQ_CFG0.offset:
    case reg::EVENTQ_IRQ_CFG1.offset:
    case reg::EVENTQ_IRQ_CFG2.offset:
      // §6.3.30: present only when IDR0.MSI == 1, otherwise RES0.
      if (!features_.msi) return ignored(*register_at(offset), "IDR0.MSI == 0: RES0");
      // §6.3.30, §6.3.21: RW only when IRQ_CTRL.EVENTQ_IRQEN == 0 and IRQ_CTRLACK.EVENTQ_IRQEN == 0.
      if (IRQ_CTRL_EVENTQ_IRQEN.get(regs_.irq_ctrl) || IRQ_CTRL_EVENTQ_IRQEN.get(regs_.irq_ctrlack))
        return ignored(*register_at(offset), "EVENTQ_IRQEN == 1");
      if (offset == reg::EVENTQ_IRQ_CFG0.offset) regs_.eventq_irq_cfg0 = v & IRQ_CFG0_ADDR.mask_in_place() & addr_mask;
      if (offset == reg::EVENTQ_IRQ_CFG1.offset) regs_.eventq_irq_cfg1 = static_cast<uint32_t>(v);
      if (offset == reg::EVENTQ_IRQ_CFG2.offset) regs_.eventq_irq_cfg2 = static_cast<uint32_t>(v & mask_of({IRQ_CFG2_MemAttr, IRQ_CFG2_SH}));
      break;
    default:
      break;  // read-only registers, reserved offsets, the PRI queue and the page-0 aliases: writes ignored
  }
}

uint64_t ReferenceSmmu::mmio_read(uint32_t offset, unsigned size) {
  // §6.2: 64-bit registers may be read whole or as 32-bit halves; an 8-byte read of a 32-bit register
  // reads it and the next one (we choose this: MMIO_64BIT_PAIR).
  if (size == 8) {
    if (is_64bit_register(offset)) return read_register(offset);
    return (mmio_read(offset, 4) & 0xFFFFFFFF) | (mmio_read(offset + 4, 4) << 32);
  }
  if (is_64bit_register(offset)) return read_register(offset) & 0xFFFFFFFF;
  if (offset >= 4 && is_64bit_register(offset - 4)) return read_register(offset - 4) >> 32;
  return read_register(offset) & 0xFFFFFFFF;
}

void ReferenceSmmu::mmio_write(uint32_t offset, unsigned size, uint64_t value) {
  if (size == 8) {
    if (is_64bit_register(offset)) return write_register(offset, value);
    mmio_write(offset, 4, value & 0xFFFFFFFF);
    return mmio_write(offset + 4, 4, value >> 32);
  }
  value &= 0xFFFFFFFF;
  if (is_64bit_register(offset)) return write_register(offset, (read_register(offset) & ~0xFFFFFFFFull) | value);
  if (offset >= 4 && is_64bit_register(offset - 4))
    return write_register(offset - 4, (read_register(offset - 4) & 0xFFFFFFFF) | (value << 32));
  write_register(offset, value);
}

}  // namespace smmu::ref
