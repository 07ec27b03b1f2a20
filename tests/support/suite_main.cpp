// main() of a test executable made of RF_TEST_SUITE classes: runs every registered suite in turn
// and fails when any of them failed. Arguments (e.g. a test function name) go to each suite. Suites of
// widgets (RF_SUITE_WIDGETS) get a QApplication, the others a QCoreApplication.
#include "support/suite_registry.h"

#include <QCoreApplication>
#include <QtTest/QtTest>
#ifdef RF_SUITE_WIDGETS
#include <QApplication>
#endif

namespace rf::test {
std::vector<SuiteFactory>& suite_registry() {
  static std::vector<SuiteFactory> registry;
  return registry;
}
}  // namespace rf::test

int main(int argc, char** argv) {
#ifdef RF_SUITE_WIDGETS
  QApplication app(argc, argv);
#else
  QCoreApplication app(argc, argv);
#endif
  int status = 0;
  for (const auto& factory : rf::test::suite_registry()) {
    std::unique_ptr<QObject> suite = factory();
    status |= QTest::qExec(suite.get(), argc, argv);
  }
  return status;
}
