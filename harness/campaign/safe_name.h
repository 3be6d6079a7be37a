// File names made from signatures (ARCHITECTURE.md: only characters safe on every filesystem).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace smmu::campaign {

// True when `name` is non-empty, at most 255 bytes, uses only [A-Za-z0-9._-], and does not start with '.'
// or '-' (a hidden file, an option).
bool is_safe_file_name(std::string_view name);

// A readable stem for a signature that is a safe file name and distinct for distinct signatures, also on a
// case-insensitive filesystem: ':' becomes '.', every other unsafe character '_', the readable part is cut
// to 80 characters (and a Windows device name such as CON gets a leading '_'), and 8 hex digits of a hash of the whole signature follow.
//   ref-opt:dma:outcome:F_TRANSLATION/success -> ref-opt.dma.outcome.F_TRANSLATION_success.1b2c3d4e
std::string signature_file_stem(std::string_view signature);

// 64-bit FNV-1a: the id of a fuzz input (its content) and the hash in signature_file_stem.
uint64_t fnv1a64(std::span<const uint8_t> bytes);
uint64_t fnv1a64(std::string_view text);
// 16 lower-case hex digits.
std::string hex64(uint64_t v);

}  // namespace smmu::campaign
