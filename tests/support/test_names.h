// Ids for the synthetic users and items that tests build by hand.
#pragma once

#include <string>

namespace rf::test {

// "u" + 7 -> "u7" (appending, which keeps GCC 12's -Wstringop-overflow false positive away).
inline std::string name_of(const char* prefix, int n) {
  std::string s = prefix;
  s += std::to_string(n);
  return s;
}

}  // namespace rf::test
