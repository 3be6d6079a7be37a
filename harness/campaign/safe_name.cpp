#include "harness/campaign/safe_name.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace smmu::campaign {

namespace {

bool safe_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

uint64_t fnv1a64(std::span<const uint8_t> bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t fnv1a64(std::string_view text) {
  return fnv1a64(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::string hex64(uint64_t v) { return fmt::format("{:016x}", v); }

bool is_safe_file_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.' || name.front() == '-') return false;
  for (char c : name)
    if (!safe_char(c)) return false;
  return true;
}

std::string signature_file_stem(std::string_view signature) {
  std::string readable;
  for (char c : signature) {
    const char mapped = c == ':' ? '.' : safe_char(c) ? c : '_';
    // No runs of separators: "a::b" and "a:/b" read as "a.b" and "a._b".
    if ((mapped == '.' || mapped == '_') && !readable.empty() && readable.back() == mapped) continue;
    readable += mapped;
  }
  while (!readable.empty() && (readable.front() == '.' || readable.front() == '-' || readable.front() == '_'))
    readable.erase(0, 1);
  if (readable.size() > 80) readable.resize(80);
  while (!readable.empty() && (readable.back() == '.' || readable.back() == '_')) readable.pop_back();
  if (readable.empty()) readable = "signature";
  // Windows reserves these device names whatever follows the dot.
  std::string device = readable.substr(0, readable.find('.'));
  for (char& c : device) c = char(std::toupper(static_cast<unsigned char>(c)));
  static const char* reserved[] = {"CON", "PRN", "AUX", "NUL"};
  bool is_device = std::find(std::begin(reserved), std::end(reserved), device) != std::end(reserved) ||
                   (device.size() == 4 && (device.rfind("COM", 0) == 0 || device.rfind("LPT", 0) == 0) &&
                    device[3] >= '0' && device[3] <= '9');
  if (is_device) readable = "_" + readable;
  return readable + "." + hex64(fnv1a64(signature)).substr(0, 8);
}

}  // namespace smmu::campaign
