// Configuration lookup (§3.3.2): the Stream table (§5.1, §6.3.24, §6.3.25) and the CD table (§5.2 S1Fmt,
// §5.3, §5.4), through the configuration cache. A fetch that aborts is never cached (§5.2.1, §5.4.1).
#include <algorithm>

#include "optimized/translation.h"

namespace smmu::opt {

bool Translation::read_words(uint64_t pa, unsigned n, uint64_t* out, TableRole role, unsigned first_index,
                             std::optional<uint32_t> ssid, std::optional<uint64_t> ipa, uint64_t& abort_pa) {
  for (unsigned i = 0; i < n; ++i) {
    const uint64_t a = pa + 8 * i;
    std::optional<uint64_t> v;
    // §3.4.3: a structure fetch beyond the OAS (specs/unpredictable.def STE_FETCH_ADDR_OOR) aborts.
    if ((a >> f.oas_bits()) == 0) v = m.memory_.read(a, 8);
    ++m.stats_.table_reads;
    if (obs) {
      TableRead tr;
      tr.role = role;
      tr.pa = a;
      tr.value = v;
      tr.sid = t.sid;
      tr.ssid = ssid;
      tr.index = first_index + i;
      tr.ipa = ipa ? std::optional<uint64_t>(*ipa + 8 * i) : std::nullopt;
      obs->table_read(tr);
    }
    if (!v) {
      abort_pa = a;  // specs/unpredictable.def STE_FETCH_ABORT_ADDR / CD_FETCH_ABORT_ADDR: first aborted qword
      return false;
    }
    out[i] = *v;
  }
  return true;
}

bool Translation::fetch_ste() {
  const Registers& r = m.regs_;
  // §6.3.25: LOG2SIZE is capped by IDR1.SIDSIZE; a StreamID beyond it is C_BAD_STREAMID (§7.3.3), recorded
  // only with CR2.RECINVSID (§6.3.12).
  const unsigned log2size = static_cast<unsigned>(regf::STRTAB_BASE_CFG_LOG2SIZE.get(r.strtab_base_cfg));
  const unsigned eff = std::min(log2size, static_cast<unsigned>(f.sidsize));
  const bool recinvsid = regf::CR2_RECINVSID.get(r.cr2);
  if (eff < 32 && (uint64_t{t.sid} >> eff) != 0) {
    fault(record(EventType::C_BAD_STREAMID), recinvsid);
    return false;
  }
  if (const SteConfig* c = m.config_.find_ste(t.sid)) {
    ++m.stats_.ste_hits;
    ste = *c;
    return true;
  }
  ++m.stats_.ste_misses;
  const uint64_t base = regf::STRTAB_BASE_ADDR.in_place(r.strtab_base);
  const bool two_level = f.st_level != 0 && regf::STRTAB_BASE_CFG_FMT.get(r.strtab_base_cfg) == 1;
  uint64_t ste_pa;
  uint64_t abort_pa = 0;
  if (!two_level) {
    // §6.3.24: ADDR[LOG2SIZE + 5:0] are treated as zero.
    ste_pa = (base & ~low_mask(log2size + 6)) + uint64_t{t.sid} * 64;
  } else {
    unsigned split = static_cast<unsigned>(regf::STRTAB_BASE_CFG_SPLIT.get(r.strtab_base_cfg));
    if (split != 6 && split != 8 && split != 10) split = 6;  // §6.3.25: other values behave as 6
    const unsigned l1_bits = log2size > split ? log2size - split : 0;
    const uint64_t l1_base = base & ~low_mask(std::max(5u, l1_bits + 2) + 1);
    const uint64_t l1_pa = l1_base + (uint64_t{t.sid} >> split) * 8;
    uint64_t l1 = 0;
    if (!read_words(l1_pa, 1, &l1, TableRole::L1Std, 0, std::nullopt, std::nullopt, abort_pa)) {
      fetch_fault(EventType::F_STE_FETCH, abort_pa);
      return false;
    }
    // §5.1, §7.3.3: Span 0, reserved (12..31) or beyond SPLIT + 1, or an index beyond the span: invalid.
    const unsigned span = static_cast<unsigned>(l1std::Span.get(l1));
    const uint64_t index = uint64_t{t.sid} & low_mask(split);
    if (span == 0 || span > 11 || span > split + 1 || (index >> (span - 1)) != 0) {
      fault(record(EventType::C_BAD_STREAMID), recinvsid);
      return false;
    }
    const uint64_t l2 = l1std::L2Ptr.in_place(l1) & ~low_mask(6 + (span - 1));
    ste_pa = l2 + index * 64;
  }
  Words8 w{};
  if (!read_words(ste_pa, 8, w.data(), TableRole::Ste, 0, t.ssid, std::nullopt, abort_pa)) {
    fetch_fault(EventType::F_STE_FETCH, abort_pa);
    return false;
  }
  ste = decode_ste(w, f, regf::CR2_E2H.get(r.cr2) && f.hyp);
  m.config_.insert_ste(t.sid, ste);
  m.config_changed();
  return true;
}

bool Translation::fetch_cd(uint32_t index) {
  if (const CdConfig* c = m.config_.find_cd(t.sid, index)) {
    ++m.stats_.cd_hits;
    cd = c;
    return true;
  }
  ++m.stats_.cd_misses;
  // The CD table: one CD, a linear table, or two levels of 4KB / 64KB leaves (§5.2 S1Fmt).
  const bool nested = ste.s2;
  const unsigned range = nested ? f.ias_bits() : f.oas_bits();
  std::optional<uint32_t> rec_ssid = t.ssid;
  uint64_t cd_addr;  // a PA, or an IPA when stage 2 is enabled
  uint64_t abort_pa = 0;
  // Reads `n` words at `addr` (an IPA with stage 2: translated first, CLASS = CD).
  auto fetch = [&](uint64_t addr, unsigned n, uint64_t* out, TableRole role) -> bool {
    uint64_t pa = addr;
    std::optional<uint64_t> ipa;
    if (nested) {
      S2Result s2;
      if (!stage2(addr, kClassCd, s2)) return false;
      pa = s2.pa;
      ipa = addr;
    } else if (addr >> range) {
      fetch_fault(EventType::F_CD_FETCH, addr);  // §3.4.3: a PA beyond the OAS
      return false;
    }
    if (!read_words(pa, n, out, role, 0, rec_ssid, ipa, abort_pa)) {
      fetch_fault(EventType::F_CD_FETCH, abort_pa);
      return false;
    }
    return true;
  };
  // §5.2 S1Fmt: tables are aligned to their size; RES0 pointer bits below it are taken as zero
  // (specs/unpredictable.def S1CONTEXTPTR_RES0_BITS), as are L1CD.L2Ptr[15:12] with 64KB leaves (L2PTR_64K_RES0).
  uint64_t base = ste.context_ptr;
  if (ste.cdmax != 0) {
    const unsigned c = ste.cdmax;
    const unsigned align = ste.s1fmt == 1 ? (c > 9 ? c - 3 : 0) : ste.s1fmt == 2 ? (c > 13 ? c - 7 : 0) : c + 6;
    if (align > 6) base &= ~low_mask(align);
  }
  if (ste.cdmax == 0 || ste.s1fmt == 0) {
    cd_addr = base + uint64_t{index} * 64;
  } else {
    const unsigned leaf_bits = ste.s1fmt == 1 ? 6 : 10;
    const uint64_t l1_addr = base + (uint64_t{index} >> leaf_bits) * 8;
    uint64_t l1 = 0;
    if (!fetch(l1_addr, 1, &l1, TableRole::L1Cd)) return false;
    const uint64_t l2 = l1cd::L2Ptr.in_place(l1) & ~(ste.s1fmt == 2 ? low_mask(16) : 0);
    // §5.3.1, §7.3.9: an invalid L1CD, or an L2Ptr out of range (specs/unpredictable.def L1CD_L2PTR_OOR_*).
    if (!l1cd::V.get(l1) || (l2 >> range) != 0) {
      EventRecord r = record(EventType::C_BAD_SUBSTREAMID);
      fault(r, true);
      return false;
    }
    cd_addr = l2 + (uint64_t{index} & low_mask(leaf_bits)) * 64;
  }
  Words8 w{};
  if (!fetch(cd_addr, 8, w.data(), TableRole::Cd)) return false;
  m.config_.insert_cd(t.sid, index, decode_cd(w, ste, f));
  m.config_changed();
  cd = m.config_.find_cd(t.sid, index);
  return true;
}

}  // namespace smmu::opt
