// Unicode canonical normalization (NFC and NFD) from the generated tables: full canonical decomposition,
// canonical ordering and canonical composition (UAX #15), Hangul included. Self-contained (no ICU).
// Invalid UTF-8 bytes pass through unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rf::text {

// False when NFC(s) == s is certain (no combining mark, no NFC_QC No/Maybe code point): the fast path.
bool nfc_may_change(std::string_view s);
std::string nfc(std::string_view s);
std::string nfd(std::string_view s);
uint8_t combining_class(uint32_t cp);

}  // namespace rf::text
