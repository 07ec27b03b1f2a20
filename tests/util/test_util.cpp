// Tests for core/util: atomic file writes, whole-file reads (files and pipes) and BLAS detection.
#include "util/blas_info.h"
#include "util/error.h"
#include "util/file_io.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>

class TestUtil : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void file_write_atomic_roundtrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.bin").toStdString();
    const std::string bytes("abc\0def", 7);
    rf::file_write_atomic(path, bytes);
    QCOMPARE(rf::file_read_all(path), bytes);
    QVERIFY(!std::filesystem::exists(path + ".tmp"));
  }
  void file_read_missing_names_path() {
    try {
      rf::file_read_all("/nonexistent/dir/x.json");
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY(std::string(e.what()).find("/nonexistent/dir/x.json") != std::string::npos);
    }
  }
  // A named pipe has no size to seek to (as `--config <(...)` in a shell): read to its end all the same.
  void file_read_all_reads_a_pipe() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("fifo").toStdString();
    QCOMPARE(::mkfifo(path.c_str(), 0600), 0);
    std::string bytes;
    for (int i = 0; i < 20000; ++i) bytes += "line " + std::to_string(i) + "\n";  // more than a pipe's buffer
    std::thread writer([&] {
      std::ofstream out(path, std::ios::binary);
      out << bytes;
    });
    const std::string got = rf::file_read_all(path);
    writer.join();
    QCOMPARE(got.size(), bytes.size());
    QVERIFY(got == bytes);
  }
  void blas_is_detected() {
    // CI installs libopenblas0-pthread, so LibTorch must not be on the reference BLAS there.
    const rf::BlasInfo info = rf::blas_info_detect();
    QVERIFY2(!info.is_reference(), info.library_path.c_str());
  }
};

QTEST_GUILESS_MAIN(TestUtil)
#include "test_util.moc"
