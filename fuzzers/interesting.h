// Values where SMMUv3 behaviour changes, shared by the codec's generators and the mutator: page and
// block sizes of each granule (Arm ARM D8.2), StreamID and SubstreamID limits (§3.3, §5.2), TxSZ limits
// (§5.4 CD.T0SZ, §5.2 STE.S2T0SZ), queue sizes and wrap points (§3.5), ASID/VMID widths (§6.3.1).
#pragma once

#include <array>
#include <cstdint>

namespace smmu::fuzz {

// The size a level-`level` descriptor maps with a 2^granule_shift granule.
constexpr uint64_t level_size(unsigned granule_shift, int level) {
  return uint64_t{1} << (granule_shift + (3 - level) * (granule_shift - 3));
}

// Input sizes in bits around the TxSZ limits (T0SZ 16..39 with 4KB, 64KB limits, the 52-bit forms).
inline constexpr std::array<unsigned, 12> kIaBits{24, 25, 30, 32, 36, 39, 40, 42, 44, 47, 48, 52};

// StreamIDs and SubstreamIDs: small ones, 2-level split boundaries, all-ones of the common widths.
inline constexpr std::array<uint32_t, 16> kStreamIds{0,    1,    2,    3,     4,     5,      7,      8,
                                                     0x3f, 0x40, 0xff, 0x100, 0x3ff, 0x400, 0xffff, 0xfffff};
inline constexpr std::array<uint32_t, 8> kSubstreamIds{0, 1, 2, 3, 0xf, 0xff, 0xffff, 0xfffff};

// ASIDs and VMIDs at the 8- and 16-bit limits.
inline constexpr std::array<uint32_t, 6> kTags{0, 1, 0xff, 0x100, 0xfffe, 0xffff};

// Queue LOG2SIZE values (0 is the driver's default); small ones wrap quickly.
inline constexpr std::array<uint32_t, 6> kQueueLog2{0, 2, 3, 4, 8, 19};

// Offsets that are not registers, or are the other half of a 64-bit register.
inline constexpr std::array<uint32_t, 12> kOddOffsets{0x030, 0x03c, 0x04c, 0x084, 0x094, 0x0a4,
                                                      0x0e0, 0x100, 0xe00, 0xffc, 0x10000, 0x1fffc};

// Addresses where tables, blocks and address spaces end.
inline constexpr std::array<uint64_t, 16> kAddresses{
    0x0,          0xff8,         0x1000,          0x1ff000,       0x200000,        0x3ffff000,
    0x40000000,   0x80000000,    0xfffff000,      0x100000000,    0x7ffffff000,    0x10000000000,
    0xfffffffff000, 0x1000000000000, 0xffff000000000000, 0xfffffffffffff000};

// A value near `v` that crosses a boundary: v - 1, v + 1, v with low bits set or cleared.
constexpr uint64_t nudge(uint64_t v, unsigned how) {
  switch (how % 6) {
    case 0: return v - 1;
    case 1: return v + 1;
    case 2: return v | 0xfff;
    case 3: return v & ~uint64_t{0xfff};
    case 4: return v - 8;
    default: return v + 0x1000;
  }
}

}  // namespace smmu::fuzz
