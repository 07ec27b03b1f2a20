// Runs the real recforge-cli binary in a child process, as a user would from a shell, for the suites
// that check commands end to end. RECFORGE_CLI_PATH is defined only for those suites
// (tests/CMakeLists.txt), so this header is usable only there.
#pragma once

#ifndef RECFORGE_CLI_PATH
#error "cli_process.h needs RECFORGE_CLI_PATH (add the suite to the foreach list in tests/CMakeLists.txt)"
#endif

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace rf::test {

struct CliRun {
  int exit_code = -1;  // -1: crashed, or killed after the timeout
  QByteArray out, err;
};

struct CliOptions {
  QByteArray input;         // written to stdin, which is then closed
  int timeout_ms = 120000;  // the child is killed after this
  QString working_dir;      // empty: the test's own
};

inline CliRun cli_run(const QStringList& args, const CliOptions& options = {}) {
  QProcess p;
  if (!options.working_dir.isEmpty()) p.setWorkingDirectory(options.working_dir);
  p.start(QStringLiteral(RECFORGE_CLI_PATH), args);
  CliRun r;
  if (!p.waitForStarted(30000)) return r;
  if (!options.input.isEmpty()) p.write(options.input);
  p.closeWriteChannel();
  if (!p.waitForFinished(options.timeout_ms)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

}  // namespace rf::test
