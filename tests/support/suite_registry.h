// Lets one test executable run several Qt Test classes, one per .cpp file, without a hand-kept list:
// each file ends with RF_TEST_SUITE(ClassName) and tests/support/suite_main.cpp runs them all.
// The suites of an area are globbed by recforge_add_suite() in tests/CMakeLists.txt.
#pragma once

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

namespace rf::test {

using SuiteFactory = std::function<std::unique_ptr<QObject>()>;

std::vector<SuiteFactory>& suite_registry();

struct SuiteRegistrar {
  explicit SuiteRegistrar(SuiteFactory factory) { suite_registry().push_back(std::move(factory)); }
};

}  // namespace rf::test

#define RF_TEST_SUITE(Class) \
  static const rf::test::SuiteRegistrar rf_suite_registrar_##Class([] { return std::make_unique<Class>(); })
