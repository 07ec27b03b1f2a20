// The one exception type of the engine. Messages name what is wrong and where (file, line, field),
// because they are shown to users as they are.
#pragma once

#include <stdexcept>
#include <string>

namespace rf {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace rf
