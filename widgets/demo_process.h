// "Start demo": the demo's SFT -> GRPO pipeline (recforge-cli demo: teacher traces, the cached base model,
// SFT, GRPO with and without a diversity weight) run as a child process on a project, its JSON lines read
// as they come: the stage messages, each step's progress and the closing summary. The runs it makes land
// in the project's run store like any other, so the curves and the runs table follow them live; Stop sends
// SIGTERM, which the CLI treats as Ctrl-C (stop at the next step with a checkpoint).
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>

#include <nlohmann/json.hpp>

namespace rf::gui {

// The summary's three checks in a line for the status bar, each with its difference and standard error:
// "reward rises: yes (+0.039 ± 0.116, within noise) · GRPO ≥ SFT on NDCG@10: no (−0.047 ± 0.051, within
// noise) · diversity raises ILAD: yes (+0.018 ± 0.007, beyond noise)". A check the summary lacks is left out.
QString demo_checks_text(const nlohmann::json& summary);

class DemoProcess : public QObject {
  Q_OBJECT

 public:
  explicit DemoProcess(QObject* parent = nullptr);
  ~DemoProcess() override;  // stops a running demo and waits for it

  // recforge-cli beside this executable (the build folder or the installed bin/), else on PATH.
  static QString cliPath();

  // Starts `recforge-cli demo --project DIR --json [extra]`; false (and failed()) when one runs already.
  bool start(const QString& project, const QStringList& extra = {});
  bool running() const { return process_.state() != QProcess::NotRunning; }
  void stop();
  const nlohmann::json& summary() const { return summary_; }  // the last "summary" line (null before one)

 Q_SIGNALS:
  void message(const QString& line);
  void progress(qint64 run, qint64 step, qint64 total, double eta_s, double reward, double loss);
  void runEnded(qint64 run, const QString& status);
  // The process ended: ok = exit code 0 (summary() then holds the table, the checks and the seconds), or
  // the error text. (nlohmann::json stays out of signal arguments: its implicit conversions confuse
  // QMetaType.)
  void finished(bool ok, const QString& error);
  void failed(const QString& why);

 private:
  void readLines();
  QProcess process_;
  QByteArray pending_;
  nlohmann::json summary_;
  QString last_error_;
};

}  // namespace rf::gui
