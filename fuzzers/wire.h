// The byte level of the scenario codec: a reader that never fails (past the end every read is zero, so
// every byte string decodes) and the matching writer. Numbers are LEB128 varints; the writer emits the
// shortest form, which the reader reads back to the same value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace smmu::fuzz {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool at_end() const { return pos_ >= bytes_.size(); }
  size_t remaining() const { return at_end() ? 0 : bytes_.size() - pos_; }
  size_t position() const { return pos_; }

  uint8_t u8() { return at_end() ? 0 : bytes_[pos_++]; }
  uint64_t varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && !at_end(); shift += 7) {
      const uint8_t b = bytes_[pos_++];
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  }
  uint32_t u32() { return static_cast<uint32_t>(varint()); }
  // A count of items that each take at least one byte: never more than the bytes left, nor `max`.
  size_t count(size_t max) {
    const uint64_t n = varint();
    const uint64_t limit = std::min<uint64_t>(max, remaining());
    return static_cast<size_t>(n < limit ? n : limit);
  }
  // A choice among n alternatives (n > 0).
  size_t pick(size_t n) { return n ? u8() % n : 0; }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

class ByteWriter {
 public:
  void u8(uint8_t b) { out_.push_back(b); }
  void varint(uint64_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      if (v) b |= 0x80;
      out_.push_back(b);
    } while (v);
  }
  std::vector<uint8_t>& bytes() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

}  // namespace smmu::fuzz
