// main() of a test executable made of RF_TEST_SUITE classes: runs every registered suite in turn
// and fails when any of them failed. Arguments (e.g. a test function name) go to each suite.
#include "support/suite_registry.h"

#include <QCoreApplication>
#include <QtTest/QtTest>

namespace rf::test {
std::vector<SuiteFactory>& suite_registry() {
  static std::vector<SuiteFactory> registry;
  return registry;
}
}  // namespace rf::test

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  int status = 0;
  for (const auto& factory : rf::test::suite_registry()) {
    std::unique_ptr<QObject> suite = factory();
    status |= QTest::qExec(suite.get(), argc, argv);
  }
  return status;
}
