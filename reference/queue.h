// Circular queue arithmetic shared by the command and event queues (Arm IHI 0070 §3.5, §6.3.26-§6.3.29):
// 2^LOG2SIZE entries, an index with a wrap bit above it, empty when PROD == CONS, full when the indices
// match and the wrap bits differ.
#pragma once

#include <algorithm>
#include <cstdint>

#include "specs/layout.h"

namespace smmu::ref {

struct Queue {
  uint64_t base = 0;   // the aligned base address
  unsigned log2 = 0;   // effective LOG2SIZE
  unsigned entry = 0;  // bytes per entry

  // `max_log2` is IDR1.CMDQS or EVENTQS: a larger LOG2SIZE is treated as the maximum (QUEUE_LOG2SIZE).
  static Queue from_base_register(uint64_t base_reg, unsigned max_log2, unsigned entry_bytes, unsigned oas_bits) {
    Queue q;
    q.entry = entry_bytes;
    q.log2 = std::min<unsigned>(static_cast<unsigned>(regf::QUEUE_BASE_LOG2SIZE.get(base_reg)), max_log2);
    // §6.3.26: the base is aligned to the queue size (at least 32 bytes); §3.4.3: truncated to the OAS.
    const uint64_t align = std::max<uint64_t>(uint64_t{entry_bytes} << q.log2, 32);
    q.base = regf::QUEUE_BASE_ADDR.in_place(base_reg) & ~(align - 1);
    if (oas_bits < 64) q.base &= (uint64_t{1} << oas_bits) - 1;
    return q;
  }
  uint32_t mask() const { return static_cast<uint32_t>((uint64_t{2} << log2) - 1); }  // index and wrap
  uint32_t index(uint32_t p) const { return p & static_cast<uint32_t>((uint64_t{1} << log2) - 1); }
  bool empty(uint32_t prod, uint32_t cons) const { return (prod & mask()) == (cons & mask()); }
  bool full(uint32_t prod, uint32_t cons) const {
    return index(prod) == index(cons) && (prod & mask()) != (cons & mask());
  }
  uint32_t next(uint32_t p) const { return (p + 1) & mask(); }
  uint64_t slot(uint32_t p) const { return base + uint64_t{index(p)} * entry; }
};

}  // namespace smmu::ref
