// The Project & data screen's slow work on a worker thread: importing a source and saving it into the
// project (data_import + dataset_save, one transaction: a failed import leaves the project as it was),
// and loading a stored data set with its statistics (data_view.h). Results and progress come back as
// signals on the GUI thread (queued); the worker knows nothing of widgets. One job at a time.
#pragma once

#include "data_view.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace rf::gui {

class DataJob : public QObject {
  Q_OBJECT

 public:
  explicit DataJob(QObject* parent = nullptr);
  ~DataJob() override;  // waits for a running job (an import cannot be cut off halfway)

  bool busy() const { return busy_; }
  // Each returns false (and does nothing) while a job runs. An import whose name the project already
  // holds is kept aside, unsaved, and `exists` asks; answer with resolveExisting().
  bool startImport(const QString& project, const QString& path, const QString& format, const QString& name,
                   const QString& meta_path, bool replace);
  // After `exists`: true saves the import over the stored data set, false drops it (the project keeps its own).
  bool resolveExisting(bool replace);
  bool startLoad(const QString& project, const QString& name);
  // The data set the last successful load produced (null before).
  std::shared_ptr<const DataView> view() const { return view_; }
  // Blocks the caller (the event loop keeps running) until no job runs or `ms` pass; true when idle.
  bool waitIdle(int ms);

 Q_SIGNALS:
  void progress(const QString& file, qint64 done, qint64 total);
  void imported(const QString& name);          // saved into the project
  void exists(const QString& name);            // read, not saved: the project has a data set of that name
  void dropped(const QString& name);           // the read data set was not saved (the answer to `exists`)
  void loaded(const QString& name);            // view() holds it
  void failed(const QString& message);         // the engine's message, unchanged

 private:
  void run(std::function<void()> work);
  void post(std::function<void()> on_gui);
  // The job's end, on the GUI thread: busy_ cleared, then the signal.
  void postImported(const std::string& name);
  void postFailed(const std::string& message);
  std::thread thread_;
  std::atomic<bool> busy_{false};
  std::shared_ptr<const DataView> view_;
  std::string project_;                   // of the import waiting in pending_
  std::shared_ptr<const Dataset> pending_;  // read, awaiting the answer to `exists`
};

}  // namespace rf::gui
