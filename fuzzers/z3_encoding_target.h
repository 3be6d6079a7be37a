// The Z3 encoding fuzz target's input format and counters (fuzzers/z3_encoding_fuzzer.cpp), for its smoke
// runner and seeds (z3_encoding_fuzzer_smoke.cpp).
//
// Input: a 10-byte header, then operations (a tag byte, tag % 8 naming the operation, and its operands;
// missing bytes read as zero, an input ends with its bytes or at kZ3MaxTranslations translations).
//   header: [options] [feature variant] [world seed: 8 bytes, little-endian]
//     options: bit 0 no nested STEs, bit 1 no block mappings, bit 2 CR2.E2H, bits 3-5 the streams - 1
//     feature variant: harness/z3/random_world.h feature_variant(byte)
//   translations (each ends in [access]: bit 0 write, bit 1 instruction fetch, bit 2 privileged):
//     kOpTarget   [index] [tweak] [operand] [access]   a mapped input of the world (targets[index % n]);
//                 tweak bit 0: flip address bit operand % 64, bit 1: move by int8(operand) 4KB pages,
//                 bit 2: SubstreamID = operand, bit 3: no SubstreamID
//     kOpPick     [access]                             what the world's own generator picks (RandomWorld::pick)
//     kOpRaw      [sid: 2] [ssid] [address: 8] [access] sid bit 0 set: StreamID sid >> 1 (15 bits), else a
//                 configured one (sids[(sid >> 1) % n]); ssid 0xff: none, else SubstreamID ssid
//   corruption of the table memory ("raw" configurations; the models see it from the next translation on):
//     kOpFlip      [qword: 2] [bit]                     flips a bit of the non-zero qword qword % n
//     kOpOverwrite [qword: 2] [slot] [value: 8]          writes value to qword slot % 8 of that qword's
//                                                        64-byte structure (slot bit 3: XORs it in)
//     kOpCorrupt                                         RandomWorld::corrupt(1) (the world's random flip)
// With no translation in the input, two kOpPick ones (access from the world's generator) end it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace smmu::fuzz {

inline constexpr unsigned kZ3HeaderSize = 10;
inline constexpr unsigned kZ3MaxTranslations = 8;
inline constexpr unsigned kZ3MaxCorruptions = 8;
enum Z3Op : uint8_t { kOpTarget = 0, kOpTarget2 = 1, kOpPick = 2, kOpRaw = 3, kOpFlip = 4, kOpOverwrite = 5,
                      kOpCorrupt = 6, kOpTarget3 = 7 };

struct Z3FuzzStats {
  uint64_t inputs = 0, translations = 0, corruptions = 0;
  std::map<std::string, uint64_t> by_outcome;  // the reference's outcome (Comparison::outcome_key)
};
Z3FuzzStats& z3_fuzz_stats();

}  // namespace smmu::fuzz
