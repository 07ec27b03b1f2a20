// Imports and loads on a worker thread (see data_job.h).
#include "data_job.h"

#include "data/dataset_store.h"
#include "data/importer.h"
#include "store/project.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QMetaObject>
#include <QThread>

namespace rf::gui {

DataJob::DataJob(QObject* parent) : QObject(parent) {}

DataJob::~DataJob() {
  if (thread_.joinable()) thread_.join();
}

void DataJob::post(std::function<void()> on_gui) {
  // Runs on this object's (the GUI) thread; the destructor joins the worker first, so `this` outlives it.
  QMetaObject::invokeMethod(this, std::move(on_gui), Qt::QueuedConnection);
}

void DataJob::postImported(const std::string& name) {
  post([this, n = QString::fromStdString(name)] {
    busy_ = false;
    Q_EMIT imported(n);
  });
}

void DataJob::postFailed(const std::string& message) {
  post([this, m = QString::fromStdString(message)] {
    busy_ = false;
    Q_EMIT failed(m);
  });
}

void DataJob::run(std::function<void()> work) {
  if (thread_.joinable()) thread_.join();  // the previous job has ended (busy_ is false): reap it
  busy_ = true;
  thread_ = std::thread([this, work = std::move(work)] { work(); });
}

bool DataJob::startImport(const QString& project, const QString& path, const QString& format, const QString& name,
                          const QString& meta_path, bool replace) {
  if (busy_) return false;
  pending_.reset();  // a new import supersedes one still waiting for its answer
  ImportOptions options;
  options.format = format.isEmpty() ? "auto" : format.toStdString();
  options.name = name.toStdString();
  options.meta_path = meta_path.toStdString();
  options.progress = [this](const std::string& file, int64_t done, int64_t total) {
    post([this, f = QString::fromStdString(file), done, total] { Q_EMIT progress(f, done, total); });
  };
  run([this, dir = project.toStdString(), src = path.toStdString(), options, replace] {
    try {
      auto ds = std::make_shared<const Dataset>(data_import(src, options));
      Project p = project_open(dir, true);
      bool taken = false;
      for (const DatasetInfo& d : dataset_list(p)) taken = taken || d.name == ds->name;
      if (taken && !replace) {
        post([this, ds, dir] {
          pending_ = ds;
          project_ = dir;
          busy_ = false;
          Q_EMIT exists(QString::fromStdString(ds->name));
        });
        return;
      }
      dataset_save(p, *ds, replace);
      postImported(ds->name);
    } catch (const std::exception& e) {
      postFailed(e.what());
    }
  });
  return true;
}

bool DataJob::resolveExisting(bool replace) {
  if (busy_ || !pending_) return false;
  std::shared_ptr<const Dataset> ds = std::move(pending_);
  pending_.reset();
  if (!replace) {
    Q_EMIT dropped(QString::fromStdString(ds->name));
    return true;
  }
  run([this, ds, dir = project_] {
    try {
      Project p = project_open(dir, false);
      dataset_save(p, *ds, true);
      postImported(ds->name);
    } catch (const std::exception& e) {
      postFailed(e.what());
    }
  });
  return true;
}

bool DataJob::startLoad(const QString& project, const QString& name) {
  if (busy_) return false;
  run([this, dir = project.toStdString(), n = name.toStdString()] {
    try {
      Project p = project_open(dir, false);
      auto view = data_view_make(dataset_load(p, n));
      post([this, view = std::move(view), name = QString::fromStdString(n)] {
        view_ = view;
        busy_ = false;
        Q_EMIT loaded(name);
      });
    } catch (const std::exception& e) {
      postFailed(e.what());
    }
  });
  return true;
}

bool DataJob::waitIdle(int ms) {
  QDeadlineTimer deadline(ms);
  while (busy_ && !deadline.hasExpired()) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
  return !busy_;
}

}  // namespace rf::gui
