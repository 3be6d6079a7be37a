// CD tables and SubstreamIDs: see tests/cd_fixture.h for the sections covered.

#include "tests/cd_fixture.h"

namespace smmu::test {
namespace {

using namespace driver;

// ---------------------------------------------------------------------------------------------------
// Single CD (S1CDMax = 0)

TEST_F(CdTest, SingleCdServesTransactionsWithoutSsid) {  // §5.2 S1CDMax = 0: S1ContextPtr points at one CD
  single_cd(2, cd_to(kPa0));
  expect_success(dma(2, kVa + 0x45), kPa0 + 0x45);
}

TEST_F(CdTest, SingleCdWithSsidIsBadSubstreamId) {  // §5.2 S1CDMax = 0 + SSV=1, §7.3.9: SubstreamID, no SSV
  single_cd(2, cd_to(kPa0));
  expect_event(dma(2, kVa, true, 5), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 2}, {event::SubstreamID, 5}, {event::SSV, 0}});
}

TEST_F(CdTest, SingleCdIgnoresS1FmtAndS1Dss) {  // §5.2: S1Fmt and S1DSS are IGNORED when S1CDMax == 0
  // S1Fmt = 0b01 would read the CD as an L1CD table; S1DSS = 0b00 would disable no-SSID traffic.
  single_cd(3, cd_to(kPa0), S1Config{.fmt = 1, .s1dss = 0b00});
  expect_success(dma(3, kVa), kPa0);
}

// ---------------------------------------------------------------------------------------------------
// Linear CD tables

TEST_F(CdTest, LinearTableIsIndexedBySsid) {  // §5.2 S1Fmt = 0b00: CD address = S1ContextPtr + SSID * 64
  const uint64_t base = linear_table(4);
  write8(base + 3 * 64, cd_to(kPa0));
  write8(base + 9 * 64, cd_to(kPa1));
  strtab->set_ste(4, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4}));
  expect_success(dma(4, kVa, true, 3), kPa0);
  expect_success(dma(4, kVa, true, 9), kPa1);
  // SSID 5 selects an all-zero CD: V == 0 is C_BAD_CD with the SubstreamID (§5.4 V, §7.3.11).
  expect_event(dma(4, kVa, true, 5), EventType::C_BAD_CD,
               {{event::StreamID, 4}, {event::SSV, 1}, {event::SubstreamID, 5}});
}

TEST_F(CdTest, SsidAtOrBeyondTwoToS1CdMaxIsBadSubstreamId) {  // §5.2 S1CDMax, §7.3.9: SSID >= 2^S1CDMax
  const uint64_t base = linear_table(4);
  write8(base + 15 * 64, cd_to(kPa0));
  strtab->set_ste(4, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4}));
  expect_success(dma(4, kVa, true, 15), kPa0);
  expect_event(dma(4, kVa, true, 16), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 4}, {event::SubstreamID, 16}, {event::SSV, 0}});
}

TEST_F(CdTest, ReservedS1FmtBehavesAsLinear) {  // §5.2 S1Fmt: 0b11 Reserved (behaves as 0b00)
  const uint64_t base = linear_table(4);
  write8(base + 7 * 64, cd_to(kPa0));
  strtab->set_ste(4, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .fmt = 3}));
  expect_success(dma(4, kVa, true, 7), kPa0);
}

TEST_F(CdTest, ReservedS1FmtIsLegalWithoutCd2l) {  // §5.2: only S1Fmt 0b01/0b10 are ILLEGAL with CD2L == 0
  reset_with([](Features& f) { f.cd2l = false; });
  const uint64_t base = linear_table(4);
  write8(base + 2 * 64, cd_to(kPa0));
  strtab->set_ste(4, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .fmt = 3}));
  expect_success(dma(4, kVa, true, 2), kPa0);
  strtab->set_ste(5, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .fmt = 1}));
  expect_event(dma(5, kVa, true, 2), EventType::C_BAD_STE, {{event::StreamID, 5}});
}

TEST_F(CdTest, S1CdMaxAboveSsidSizeIsBadSte) {  // §5.2 S1CDMax: allowable range 0..IDR1.SSIDSIZE
  const uint64_t base = linear_table(8);  // default SSIDSIZE = 8
  write8(base, cd_to(kPa0));
  strtab->set_ste(4, ste_stage1(S1Config{.context_ptr = base, .cdmax = 8}));
  expect_success(dma(4, kVa, true, 0), kPa0);
  strtab->set_ste(5, ste_stage1(S1Config{.context_ptr = base, .cdmax = 9}));
  expect_event(dma(5, kVa, true, 0), EventType::C_BAD_STE, {{event::StreamID, 5}});
}

TEST_F(CdTest, NoSsidSupportMakesAnySsidBad) {  // §5.2 S1CDMax, §7.3.9: IDR1.SSIDSIZE == 0
  reset_with([](Features& f) { f.ssidsize = 0; });
  // S1CDMax, S1Fmt and S1DSS are IGNORED: S1ContextPtr names one CD that serves no-SSID traffic.
  single_cd(6, cd_to(kPa0), S1Config{.cdmax = 4, .fmt = 1, .s1dss = 0b00});
  expect_success(dma(6, kVa), kPa0);
  expect_event(dma(6, kVa, true, 0), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 6}, {event::SubstreamID, 0}, {event::SSV, 0}});
  expect_event(dma(6, kVa, true, 3), EventType::C_BAD_SUBSTREAMID, {{event::StreamID, 6}, {event::SubstreamID, 3}});
}

// ---------------------------------------------------------------------------------------------------
// 2-level CD tables (§5.2 S1Fmt = 0b01 / 0b10, §5.3 L1CD)

TEST_F(CdTest, TwoLevel4KbLeavesSplitSsidAtBit6) {  // §5.2 S1Fmt = 0b01: L1 SSID[S1CDMax-1:6], L2 SSID[5:0]
  const uint64_t l1 = alloc->alloc(64, 64);  // 2^(8-6) = 4 L1CDs, aligned to 64 bytes
  const uint64_t leaf1 = alloc->alloc(4096, 4096), leaf2 = alloc->alloc(4096, 4096);
  mem->poke64(l1 + 1 * 8, l1cd_word(leaf1));
  mem->poke64(l1 + 2 * 8, l1cd_word(leaf2));
  write8(leaf1 + 5 * 64, cd_to(kPa0));
  write8(leaf2 + 5 * 64, cd_to(kPa1));
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}));
  expect_success(dma(7, kVa, true, 0x45), kPa0);  // L1 index 1, L2 index 5
  expect_success(dma(7, kVa, true, 0x85), kPa1);  // L1 index 2, L2 index 5
}

TEST_F(CdTest, TwoLevel4KbWithSmallCdMaxUsesL1IndexZero) {  // §5.2 S1Fmt = 0b01: S1CDMax <= 6 uses L1CD #0 only
  const uint64_t l1 = alloc->alloc(64, 64);
  const uint64_t leaf = alloc->alloc(4096, 4096);
  mem->poke64(l1, l1cd_word(leaf));
  write8(leaf + 0x1f * 64, cd_to(kPa0));
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 5, .fmt = 1}));
  expect_success(dma(7, kVa, true, 0x1f), kPa0);
}

TEST_F(CdTest, TwoLevel64KbLeavesSplitSsidAtBit10) {  // §5.2 S1Fmt = 0b10: L1 SSID[S1CDMax-1:10], L2 SSID[9:0]
  reset_with([](Features& f) { f.ssidsize = 12; });
  const uint64_t l1 = alloc->alloc(64, 64);  // 2^(12-10) = 4 L1CDs
  const uint64_t leaf = alloc->alloc(0x10000, 0x10000);
  mem->poke64(l1 + 2 * 8, l1cd_word(leaf));
  write8(leaf + 0x205 * 64, cd_to(kPa0));
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 12, .fmt = 2}));
  expect_success(dma(7, kVa, true, 0xA05), kPa0);  // SSID 0b10_1000000101: L1 index 2, L2 index 0x205
  // SSID 0x205 uses L1 index 0, which is invalid (§5.3.1).
  expect_event(dma(7, kVa, true, 0x205), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 7}, {event::SubstreamID, 0x205}});
}

TEST_F(CdTest, TwoLevel64KbWithCdMaxUpToTenUsesL1IndexZero) {  // §5.2 S1Fmt = 0b10: S1CDMax <= 10 uses L1CD #0
  const uint64_t l1 = alloc->alloc(64, 64);
  const uint64_t leaf = alloc->alloc(0x10000, 0x10000);
  mem->poke64(l1, l1cd_word(leaf));
  write8(leaf + 0xC5 * 64, cd_to(kPa0));  // with 4KB leaves SSID 0xC5 would use L1 index 3
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 2}));
  expect_success(dma(7, kVa, true, 0xC5), kPa0);
}

TEST_F(CdTest, InvalidL1CdIsBadSubstreamId) {  // §5.3.1, §7.3.9: L1CD.V == 0 -> C_BAD_SUBSTREAMID with the SSID
  const uint64_t l1 = alloc->alloc(64, 64);
  const uint64_t leaf = alloc->alloc(4096, 4096);
  write8(leaf + 3 * 64, cd_to(kPa0));
  mem->poke64(l1 + 8, l1cd_word(leaf, /*valid=*/false));  // L2Ptr is IGNORED when V == 0
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}));
  expect_event(dma(7, kVa, true, 0x43), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 7}, {event::SubstreamID, 0x43}, {event::SSV, 0}});
}

TEST_F(CdTest, L2PtrBeyondOasIsBadSubstreamId) {  // §3.4.3 (3): v3.1+ L1CD.L2Ptr beyond the OAS
  const uint64_t l1 = alloc->alloc(64, 64);
  mem->poke64(l1, l1cd_word(uint64_t{1} << 48));  // default OAS: 48 bits
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}));
  expect_event(dma(7, kVa, true, 3), EventType::C_BAD_SUBSTREAMID, {{event::StreamID, 7}, {event::SubstreamID, 3}});
}

TEST_F(CdTest, L2PtrJustInsideOasIsFetched) {  // §5.3 L2Ptr: the last 4KB page below 2^OAS is in range
  const uint64_t l1 = alloc->alloc(64, 64);
  mem->poke64(l1, l1cd_word((uint64_t{1} << 48) - 0x1000));
  strtab->set_ste(7, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}));
  // The CD there reads as zero: V == 0 is C_BAD_CD, so the fetch happened.
  expect_event(dma(7, kVa, true, 3), EventType::C_BAD_CD,
               {{event::StreamID, 7}, {event::SSV, 1}, {event::SubstreamID, 3}});
}

// ---------------------------------------------------------------------------------------------------
// S1DSS: transactions without a SubstreamID when S1CDMax > 0

TEST_F(CdTest, S1DssTerminateIsStreamDisabled) {  // §5.2 S1DSS = 0b00, §7.3.7: record carries StreamID only
  const uint64_t base = linear_table(4);
  write8(base, cd_to(kPa0));
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .s1dss = 0b00}));
  expect_event(dma(8, kVa), EventType::F_STREAM_DISABLED,
               {{event::StreamID, 8}, {event::SSV, 0}, {event::SubstreamID, 0}});
  expect_success(dma(8, kVa, true, 0), kPa0);  // with a SubstreamID, CD 0 is available
}

TEST_F(CdTest, ReservedS1DssBehavesAsTerminate) {  // §5.2 S1DSS = 0b11: Reserved (behaves as 0b00)
  const uint64_t base = linear_table(4);
  write8(base, cd_to(kPa0));
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .s1dss = 0b11}));
  expect_event(dma(8, kVa), EventType::F_STREAM_DISABLED, {{event::StreamID, 8}, {event::SSV, 0}});
}

TEST_F(CdTest, S1DssBypassSkipsStageOne) {  // §5.2 S1DSS = 0b01: bypass stage 1, no CD fetch
  const uint64_t base = linear_table(4);
  write8(base + 64, cd_to(kPa0));
  mem->add_abort_range(base, 64);  // CD 0 would abort with F_CD_FETCH if it were fetched
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .s1dss = 0b01}));
  // Stage 2 is bypassed too: the input address is the output PA (§3.4).
  expect_success(dma(8, 0x89'abcd'e123), 0x89'abcd'e123);
  expect_success(dma(8, kVa, true, 1), kPa0);  // a transaction with an SSID still uses its CD
}

// §3.4, §7.3.14: a stage-1-bypassed address beyond the IAS -> F_ADDR_SIZE with S2 = 0, CLASS = IN.
TEST_F(CdTest, S1DssBypassChecksTheIas) {
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = linear_table(4), .cdmax = 4, .s1dss = 0b01}));
  const uint64_t addr = uint64_t{1} << 48;  // IAS = OAS = 48 bits without VMSAv8-32 support
  expect_success(dma(8, addr - 8), addr - 8);
  expect_event(dma(8, addr, false), EventType::F_ADDR_SIZE,
               {{event::StreamID, 8}, {event::SSV, 0}, {event::S2, 0}, {event::CLASS, 2}, {event::InputAddr, addr},
                {event::RnW, 0}});
}

TEST_F(CdTest, S1DssCdZeroServesNoSsidTraffic) {  // §5.2 S1DSS = 0b10: no SSID uses CD 0; SSID 0 -> F_STREAM_DISABLED
  const uint64_t base = linear_table(4);
  write8(base, cd_to(kPa0));
  write8(base + 64, cd_to(kPa1));
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4, .s1dss = 0b10}));
  expect_success(dma(8, kVa), kPa0);
  expect_success(dma(8, kVa, true, 1), kPa1);
  expect_event(dma(8, kVa, true, 0), EventType::F_STREAM_DISABLED,
               {{event::StreamID, 8}, {event::SSV, 0}, {event::SubstreamID, 0}});
}

TEST_F(CdTest, S1DssCdZeroMeetingInvalidL1CdRecordsSsidZero) {  // §5.3.1, §7.3.9: CD 0 index recorded as 0
  const uint64_t l1 = alloc->alloc(64, 64);  // L1CD #0 is zero: V == 0
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1, .s1dss = 0b10}));
  expect_event(dma(8, kVa), EventType::C_BAD_SUBSTREAMID,
               {{event::StreamID, 8}, {event::SubstreamID, 0}, {event::SSV, 0}});
}

// §7.3.9: an out-of-range L2Ptr met fetching CD 0 for a transaction without an SSID records SubstreamID 0.
TEST_F(CdTest, S1DssCdZeroMeetingOutOfRangeL2PtrRecordsSsidZero) {
  const uint64_t l1 = alloc->alloc(64, 64);
  mem->poke64(l1, l1cd_word(uint64_t{1} << 50));
  strtab->set_ste(8, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1, .s1dss = 0b10}));
  expect_event(dma(8, kVa), EventType::C_BAD_SUBSTREAMID, {{event::StreamID, 8}, {event::SubstreamID, 0}});
}

// ---------------------------------------------------------------------------------------------------
// F_CD_FETCH (§7.3.10)

TEST_F(CdTest, AbortedCdFetchIsFCdFetch) {  // §7.3.10: FetchAddr is the PA whose fetch aborted
  const uint64_t base = linear_table(4);
  const uint64_t cd_pa = base + 6 * 64;
  write8(cd_pa, cd_to(kPa0));
  mem->add_abort_range(cd_pa + 24, 8);  // q3 of CD 6
  strtab->set_ste(9, ste_stage1(S1Config{.context_ptr = base, .cdmax = 4}));
  expect_event(dma(9, kVa, true, 6), EventType::F_CD_FETCH,
               {{event::StreamID, 9}, {event::SSV, 1}, {event::SubstreamID, 6}, {event::FetchAddr, (cd_pa + 24) >> 3}});
}

TEST_F(CdTest, AbortedSingleCdFetchHasNoSsv) {  // §7.3.10: SSV = 0 for a transaction without a SubstreamID
  const uint64_t cd_pa = single_cd(9, cd_to(kPa0));
  mem->add_abort_range(cd_pa, 8);  // q0
  expect_event(dma(9, kVa), EventType::F_CD_FETCH,
               {{event::StreamID, 9}, {event::SSV, 0}, {event::FetchAddr, cd_pa >> 3}});
}

TEST_F(CdTest, AbortedL1CdFetchIsFCdFetch) {  // §7.3.10 covers the L1CD fetch: FetchAddr = L1CD PA
  const uint64_t l1 = alloc->alloc(64, 64);
  const uint64_t leaf = alloc->alloc(4096, 4096);
  mem->poke64(l1 + 2 * 8, l1cd_word(leaf));
  write8(leaf + 5 * 64, cd_to(kPa0));
  mem->add_abort_range(l1 + 2 * 8, 8);
  strtab->set_ste(9, ste_stage1(S1Config{.context_ptr = l1, .cdmax = 8, .fmt = 1}));
  expect_event(dma(9, kVa, true, 0x85), EventType::F_CD_FETCH,
               {{event::StreamID, 9}, {event::SSV, 1}, {event::SubstreamID, 0x85}, {event::FetchAddr, (l1 + 16) >> 3}});
}

}  // namespace
}  // namespace smmu::test
