// The workbench window (DESIGN.md §8): the screens as tabs over one project, a status bar with the device
// and BLAS the engine uses and the running run's step and ETA, a File menu with recent projects, a light
// and a dark theme, keyboard shortcuts for the run in this process, and the window's state kept in
// QSettings. The screens are panels of their own (runs_panel.h, curve_panel.h, ...); the window wires them
// to the project and to the RunSession and only forwards.
#pragma once

#include <QMainWindow>
#include <QStringList>

class QLabel;
class QMenu;
class QTabWidget;

namespace rf::gui {

class ComparePanel;
class CurvePanel;
class DemoProcess;
class ProjectPanel;
class RunSession;
class RewardTuner;
class RunForm;
class RunsPanel;
class TemplateDesigner;
class TrajectoryPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a project folder (its run store is read; nothing is written until a run starts). False with a
  // message box when it is not a project.
  bool openProject(const QString& dir);
  QString project() const { return project_; }
  void setDarkTheme(bool dark);
  bool darkTheme() const { return dark_; }

  // Writes one PNG per screen into `dir` (<n>-<screen>.png); returns the files written.
  QStringList screenshots(const QString& dir);

  // The sample project: <app data>/sample-project, made from the shipped sample_data/ on first use.
  static QString sampleProjectDir();
  bool openSampleProject();
  // "Start demo": the demo's SFT -> GRPO runs (recforge-cli demo) on this project when it holds the
  // sample data set, else on the sample project; its runs appear in the table and on the curves live.
  bool startDemo(const QStringList& extra = {});

  RunSession* session() const { return session_; }
  DemoProcess* demo() const { return demo_; }
  ProjectPanel* projectPanel() const { return project_panel_; }
  RunsPanel* runsPanel() const { return runs_; }
  CurvePanel* curvePanel() const { return curves_; }
  TrajectoryPanel* trajectoryPanel() const { return trajectories_; }
  RewardTuner* rewardTuner() const { return tuner_; }
  ComparePanel* comparePanel() const { return compare_; }
  RunForm* runForm() const { return form_; }
  TemplateDesigner* templateDesigner() const { return designer_; }
  QTabWidget* tabs() const { return tabs_; }
  QString statusText() const;

 protected:
  void closeEvent(QCloseEvent* e) override;

 private:
  void buildMenus();
  void rebuildRecentMenu();
  void chooseProject();

  QString project_;
  bool dark_ = false;
  RunSession* session_ = nullptr;
  DemoProcess* demo_ = nullptr;
  ProjectPanel* project_panel_ = nullptr;
  RunsPanel* runs_ = nullptr;
  CurvePanel* curves_ = nullptr;
  TrajectoryPanel* trajectories_ = nullptr;
  RewardTuner* tuner_ = nullptr;
  ComparePanel* compare_ = nullptr;
  RunForm* form_ = nullptr;
  TemplateDesigner* designer_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QLabel* device_label_ = nullptr;
  QLabel* run_label_ = nullptr;
  QMenu* recent_menu_ = nullptr;
};

// QSettings keys of the window.
inline constexpr const char* kSettingsLastProject = "project/last";
inline constexpr const char* kSettingsRecentProjects = "project/recent";
inline constexpr const char* kSettingsDarkTheme = "view/dark";

}  // namespace rf::gui
