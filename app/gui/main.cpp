// `recforge`: the Qt workbench. Opens the project given on the command line, else the last one, else the
// sample project (created on first start under the user's data folder from the shipped sample_data/).
//   recforge [PROJECT] [--select RUNS] [--screenshot DIR]
// --screenshot writes a PNG of every screen into DIR and exits (the README's pictures; a layout check).
#include "main_window.h"
#include "runs_panel.h"
#include "util/runtime_init.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QSettings>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("recforge");
  QApplication::setOrganizationName("RecForge");
  // Wayland matches the window to installer/io.github.recforge.RecForge.desktop (its icon, its name) by this id.
  QGuiApplication::setDesktopFileName("io.github.recforge.RecForge");
  QApplication::setApplicationVersion(RECFORGE_VERSION);
  QCommandLineParser parser;
  parser.setApplicationDescription("RecForge: a workbench for training reasoning recommenders (SFT, GRPO).");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("project", "the project folder to open (default: the last one, else the sample project)");
  QCommandLineOption screenshot("screenshot", "write a PNG of every screen into DIR and exit", "DIR");
  parser.addOption(screenshot);
  QCommandLineOption select("select", "runs to select at start, e.g. 2,3 (default: the newest)", "RUNS");
  parser.addOption(select);
  parser.process(app);

  const std::string warning = rf::runtime_init();
  if (!warning.empty()) std::fprintf(stderr, "recforge: %s\n", warning.c_str());

  QString project;
  if (!parser.positionalArguments().isEmpty()) project = parser.positionalArguments().first();
  if (project.isEmpty()) project = QSettings().value(rf::gui::kSettingsLastProject).toString();

  rf::gui::MainWindow window;
  if (project.isEmpty() || !QDir(project).exists() || !window.openProject(project)) window.openSampleProject();
  if (parser.isSet(select)) {
    std::vector<int64_t> runs;
    for (const QString& r : parser.value(select).split(',', Qt::SkipEmptyParts)) runs.push_back(r.toLongLong());
    window.runsPanel()->selectRuns(runs);
  }
  window.show();
  if (parser.isSet(screenshot)) {
    const QString dir = parser.value(screenshot);
    QTimer::singleShot(300, &window, [&window, dir] {
      for (const QString& f : window.screenshots(dir)) std::printf("%s\n", qPrintable(f));
      QApplication::exit(0);
    });
  }
  return app.exec();
}
