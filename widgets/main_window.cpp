// The workbench window (see main_window.h).
#include "main_window.h"

#include "compare_panel.h"
#include "curve_panel.h"
#include "demo_process.h"
#include "project_panel.h"
#include "template_designer.h"
#include "engine/sample_project.h"
#include "data/dataset_store.h"
#include "store/project.h"
#include "run_session.h"
#include "runs_panel.h"
#include "store/run_store.h"
#include "reward_tuner.h"
#include "run_form.h"
#include "trajectory_panel.h"
#include "util/runtime_init.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPalette>
#include <QSettings>
#include <QStandardPaths>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QUndoStack>

#include <cmath>

namespace rf::gui {

namespace {

QString eta_text(double s) {
  if (!std::isfinite(s) || s < 0) return "–";
  const int t = static_cast<int>(std::lround(s));
  return t >= 3600 ? QString("%1 h %2 min").arg(t / 3600).arg((t % 3600) / 60)
                   : t >= 60 ? QString("%1 min %2 s").arg(t / 60).arg(t % 60) : QString("%1 s").arg(t);
}

QPalette dark_palette() {
  QPalette p;
  const QColor base(37, 37, 38), window(45, 45, 48), text(220, 220, 220), accent(42, 130, 218);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, window);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(127, 127, 127));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(127, 127, 127));
  return p;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName("recforgeMainWindow");
  setWindowTitle("RecForge");
  session_ = new RunSession(this);
  demo_ = new DemoProcess(this);
  runs_ = new RunsPanel(session_, this);
  curves_ = new CurvePanel(this);
  trajectories_ = new TrajectoryPanel(this);
  trajectories_->setObjectName("trajectories");
  tuner_ = new RewardTuner(session_, this);
  tuner_->setObjectName("tuner");
  compare_ = new ComparePanel(this);
  compare_->setObjectName("compare");
  tabs_ = new QTabWidget(this);
  tabs_->setObjectName("screens");
  form_ = new RunForm(session_, this);
  // Runs: the table above the form that starts new ones.
  auto* runs_screen = new QSplitter(Qt::Vertical, this);
  runs_screen->setObjectName("runs");
  runs_screen->addWidget(runs_);
  runs_screen->addWidget(form_);
  runs_screen->setStretchFactor(0, 1);
  runs_screen->setStretchFactor(1, 2);
  project_panel_ = new ProjectPanel(this);
  tabs_->addTab(project_panel_, tr("Project && data"));
  designer_ = new TemplateDesigner(this);
  designer_->setRunForm(form_);
  tabs_->addTab(designer_, tr("Template designer"));
  tabs_->addTab(runs_screen, tr("Runs"));
  tabs_->addTab(curves_, tr("Live curves"));
  tabs_->addTab(trajectories_, tr("Trajectories"));
  tabs_->addTab(tuner_, tr("Reward tuner"));
  tabs_->addTab(compare_, tr("Compare"));
  curves_->setObjectName("curves");
  setCentralWidget(tabs_);

  device_label_ = new QLabel(QString::fromStdString(runtime_device_summary()), this);
  device_label_->setObjectName("deviceLabel");
  run_label_ = new QLabel(tr("no run in this window"), this);
  run_label_->setObjectName("runLabel");
  statusBar()->addWidget(run_label_, 1);
  statusBar()->addPermanentWidget(device_label_);

  connect(runs_, &RunsPanel::newRunFromWeights, this, [this](qint64 run) { form_->loadFromRunWeights(run); });
  connect(runs_, &RunsPanel::selectionChanged, this, [this](const std::vector<int64_t>& runs) {
    curves_->setRuns(runs);
    if (!runs.empty()) trajectories_->setRun(runs.front());
    if (!runs.empty()) tuner_->setRun(runs.front());
    compare_->setRuns(runs);
  });
  connect(session_, &RunSession::progress, this, [this](qint64 run, qint64 step, qint64 total, double eta, double reward, double loss) {
    QString s = tr("run %1: step %2/%3, ETA %4").arg(run).arg(step).arg(total).arg(eta_text(eta));
    if (std::isfinite(reward)) s += tr(", reward %1").arg(reward, 0, 'f', 3);
    else if (std::isfinite(loss)) s += tr(", loss %1").arg(loss, 0, 'f', 3);
    run_label_->setText(s);
  });
  connect(session_, &RunSession::started, this, [this](qint64 run) {
    run_label_->setText(tr("run %1: starting").arg(run));
    runs_->refresh();
    runs_->selectRuns({run});  // its curves, trajectories and tuner follow it
  });
  connect(session_, &RunSession::finished, this, [this](qint64 run, const QString& status, const QString& message) {
    run_label_->setText(message.isEmpty() ? tr("run %1 %2").arg(run).arg(status) : tr("run %1 %2: %3").arg(run).arg(status, message));
    runs_->refresh();
    curves_->refresh();
  });
  connect(session_, &RunSession::failed, this, [this](const QString& why) { run_label_->setText(why); });
  connect(demo_, &DemoProcess::message, this, [this](const QString& m) { run_label_->setText(tr("demo: %1").arg(m)); });
  connect(demo_, &DemoProcess::progress, this, [this](qint64 run, qint64 step, qint64 total, double eta, double reward, double loss) {
    QString s = tr("demo, run %1: step %2/%3, ETA %4").arg(run).arg(step).arg(total).arg(eta_text(eta));
    if (std::isfinite(reward)) s += tr(", reward %1").arg(reward, 0, 'f', 3);
    else if (std::isfinite(loss)) s += tr(", loss %1").arg(loss, 0, 'f', 3);
    run_label_->setText(s);
  });
  connect(demo_, &DemoProcess::runEnded, this, [this](qint64, const QString&) { runs_->refresh(); });
  connect(demo_, &DemoProcess::failed, this, [this](const QString& why) { run_label_->setText(why); });
  connect(demo_, &DemoProcess::finished, this, [this](bool ok, const QString& error) {
    const nlohmann::json& summary = demo_->summary();
    runs_->refresh();
    if (!ok) {
      run_label_->setText(tr("demo ended: %1").arg(error));
      return;
    }
    const double seconds = summary.is_object() && summary.contains("seconds") ? summary["seconds"].get<double>() : 0.0;
    run_label_->setText(tr("demo finished in %1 s: %2").arg(seconds, 0, 'f', 0).arg(demo_checks_text(summary)));
    // The demo's runs are SFT, GRPO (diversity 0), GRPO (high diversity): the curves show the two GRPO runs.
    std::vector<int64_t> runs;
    if (summary.is_object() && summary.contains("runs"))
      for (const auto& r : summary["runs"]) runs.push_back(r.get<int64_t>());
    if (!runs.empty()) runs_->selectRuns({runs.begin() + 1, runs.end()});
  });

  buildMenus();
  QSettings settings;
  setDarkTheme(settings.value(kSettingsDarkTheme, false).toBool());
  restoreGeometry(settings.value("window/geometry").toByteArray());
  if (!settings.contains("window/geometry")) resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open project…"), this, &MainWindow::chooseProject);
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Open the &sample project"), this, &MainWindow::openSampleProject);
  recent_menu_ = file->addMenu(tr("Open &recent"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = tuner_->undoStack()->createUndoAction(this, tr("&Undo weight change"));
  undo->setShortcut(QKeySequence::Undo);
  edit->addAction(undo);
  QAction* redo = tuner_->undoStack()->createRedoAction(this, tr("&Redo weight change"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(redo);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  QAction* demo = run->addAction(tr("Start &demo (SFT → GRPO)"), this, [this] { startDemo(); });
  demo->setObjectName("startDemoAction");
  demo->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
  demo->setToolTip(tr("Runs recforge-cli demo on the sample project: traces, base model, SFT, GRPO with diversity 0 and 3"));
  run->addSeparator();
  QAction* pause = run->addAction(tr("&Pause"), session_, &RunSession::pause);
  pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  QAction* resume = run->addAction(tr("&Resume"), session_, &RunSession::resume);
  resume->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
  QAction* stop = run->addAction(tr("&Stop (checkpoint first)"), this, [this] {
    if (demo_->running()) demo_->stop();
    else session_->stop();
  });
  stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (int i = 0; i < tabs_->count(); ++i) {
    QAction* a = view->addAction(tabs_->tabText(i), this, [this, i] { tabs_->setCurrentIndex(i); });
    a->setShortcut(QKeySequence(Qt::ALT | (Qt::Key_1 + i)));
  }
  view->addSeparator();
  QAction* dark = view->addAction(tr("&Dark theme"));
  dark->setObjectName("darkThemeAction");
  dark->setCheckable(true);
  connect(dark, &QAction::toggled, this, [this](bool on) {
    setDarkTheme(on);
    QSettings().setValue(kSettingsDarkTheme, on);
  });
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value(kSettingsRecentProjects).toStringList();
  for (const QString& dir : recent) recent_menu_->addAction(dir, this, [this, dir] { openProject(dir); });
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::chooseProject() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a RecForge project"), project_);
  if (!dir.isEmpty()) openProject(dir);
}

bool MainWindow::openProject(const QString& dir) {
  const QString store = QString::fromStdString(run_store_path(dir.toStdString()));
  if (!QFileInfo::exists(store)) {
    QMessageBox::warning(this, tr("Not a project"), tr("%1 holds no project.sqlite; import data into it first "
                                                       "(recforge-cli data import --project %1 --path …).").arg(dir));
    return false;
  }
  project_ = QDir(dir).absolutePath();
  setWindowTitle(tr("RecForge — %1").arg(QDir(project_).dirName()));
  project_panel_->setProject(project_);
  form_->setProject(project_);  // before the designer, which reads the form's config
  designer_->setProject(project_);
  runs_->setProject(project_);
  trajectories_->setProject(project_);
  tuner_->setProject(project_);
  compare_->setProject(project_);
  curves_->setStorePath(store);
  // Show the newest run's curves straight away.
  if (const std::vector<int64_t> all = runs_->allRuns(); !all.empty()) runs_->selectRuns({all.front()});
  QSettings settings;
  settings.setValue(kSettingsLastProject, project_);
  QStringList recent = settings.value(kSettingsRecentProjects).toStringList();
  recent.removeAll(project_);
  recent.prepend(project_);
  while (recent.size() > 8) recent.removeLast();
  settings.setValue(kSettingsRecentProjects, recent);
  rebuildRecentMenu();
  return true;
}

void MainWindow::setDarkTheme(bool dark) {
  dark_ = dark;
  if (auto* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
  QApplication::setPalette(dark ? dark_palette() : QApplication::style()->standardPalette());
  for (QAction* a : findChildren<QAction*>("darkThemeAction"))
    if (a->isChecked() != dark) a->setChecked(dark);
}

QString MainWindow::sampleProjectDir() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/sample-project";
}

bool MainWindow::openSampleProject() {
  const QString dir = sampleProjectDir();
  try {
    sample_project_ensure(dir.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Sample project"), QString::fromStdString(e.what()));
    return false;
  }
  return openProject(dir);
}

bool MainWindow::startDemo(const QStringList& extra) {
  bool has_sample = false;
  if (!project_.isEmpty()) {
    try {
      Project p = project_open(project_.toStdString(), false);
      for (const DatasetInfo& d : dataset_list(p)) has_sample = has_sample || d.name == "sample";
    } catch (const std::exception&) {
    }
  }
  if (!has_sample && !openSampleProject()) return false;
  run_label_->setText(tr("demo: starting on %1").arg(project_));
  tabs_->setCurrentWidget(curves_);
  return demo_->start(project_, extra);
}

QString MainWindow::statusText() const { return run_label_->text() + " | " + device_label_->text(); }

QStringList MainWindow::screenshots(const QString& dir) {
  QDir().mkpath(dir);
  QStringList written;
  const int current = tabs_->currentIndex();
  for (int i = 0; i < tabs_->count(); ++i) {
    tabs_->setCurrentIndex(i);
    QApplication::processEvents();
    project_panel_->waitIdle(10000);  // its data set loads on a worker
    if (tabs_->widget(i) == designer_) {
      // The preview needs the data and the tokenizer; then a few sampled answers make the picture.
      designer_->waitIdle(20000);
      if (designer_->answerCount() == 0 && designer_->tryIt(4)) designer_->waitIdle(120000);
      QApplication::processEvents();
    }
    curves_->refresh();
    const QString name = QString("%1-%2.png").arg(i + 1).arg(tabs_->widget(i)->objectName());
    const QString path = QDir(dir).filePath(name);
    if (grab().save(path)) written << path;
  }
  tabs_->setCurrentIndex(current);
  return written;
}

void MainWindow::closeEvent(QCloseEvent* e) {
  QSettings().setValue("window/geometry", saveGeometry());
  if (session_->busy() || demo_->running()) {
    const auto answer = QMessageBox::question(this, tr("A run is training"),
                                              tr("Stop the training (a checkpoint is written first) and quit?"));
    if (answer != QMessageBox::Yes) {
      e->ignore();
      return;
    }
  }
  e->accept();
}

}  // namespace rf::gui
