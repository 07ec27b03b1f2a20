// Declarations of the generated Unicode data tables (unicode_category_table.cpp, unicode_nfc_table.cpp,
// made by unicode_tables_gen.py). Internal to core/text: use unicode.h / unicode_normalize.h instead.
#pragma once

#include <cstdint>

namespace rf::text::tables {

struct CategoryRange {
  uint32_t first, last;  // inclusive
  uint8_t value;
};

struct Decomposition {
  uint32_t cp, first, second;  // second == 0: a singleton decomposition
  uint8_t excluded;            // 1: never recomposed (composition exclusion, singleton, non-starter)
};

extern const CategoryRange kCategoryRanges[];  // value: 1 = L, 2 = N, 3 = M
extern const unsigned kCategoryRangeCount;
extern const CategoryRange kCombiningClassRanges[];  // value: canonical combining class
extern const unsigned kCombiningClassRangeCount;
extern const Decomposition kDecompositions[];  // sorted by cp
extern const unsigned kDecompositionCount;
extern const CategoryRange kNfcAttentionRanges[];  // code points that may change under NFC
extern const unsigned kNfcAttentionRangeCount;

}  // namespace rf::text::tables
