// The demo as a child process (see demo_process.h).
#include "demo_process.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <cmath>

namespace rf::gui {

namespace {

double number_or_nan(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

}  // namespace

DemoProcess::DemoProcess(QObject* parent) : QObject(parent) {
  process_.setProcessChannelMode(QProcess::SeparateChannels);
  connect(&process_, &QProcess::readyReadStandardOutput, this, &DemoProcess::readLines);
  connect(&process_, &QProcess::readyReadStandardError, this, [this] {
    const QString err = QString::fromUtf8(process_.readAllStandardError()).trimmed();
    if (!err.isEmpty()) last_error_ = err.section('\n', -1);
  });
  connect(&process_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    readLines();
    const bool ok = status == QProcess::NormalExit && code == 0;
    Q_EMIT finished(ok, ok ? QString() : (last_error_.isEmpty() ? tr("the demo ended with code %1").arg(code) : last_error_));
  });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e == QProcess::FailedToStart) Q_EMIT failed(tr("cannot start %1: %2").arg(process_.program(), process_.errorString()));
  });
}

DemoProcess::~DemoProcess() {
  if (running()) {
    process_.terminate();
    if (!process_.waitForFinished(30000)) process_.kill();
  }
}

QString DemoProcess::cliPath() {
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath("recforge-cli");
  if (QFileInfo(beside).isExecutable()) return beside;
  const QString up = QDir(QCoreApplication::applicationDirPath()).filePath("../recforge-cli");  // tests/ in the build folder
  if (QFileInfo(up).isExecutable()) return QFileInfo(up).canonicalFilePath();
  return QStandardPaths::findExecutable("recforge-cli");
}

bool DemoProcess::start(const QString& project, const QStringList& extra) {
  if (running()) {
    Q_EMIT failed(tr("the demo is running already"));
    return false;
  }
  const QString cli = cliPath();
  if (cli.isEmpty()) {
    Q_EMIT failed(tr("recforge-cli was not found beside recforge or on PATH"));
    return false;
  }
  summary_ = nlohmann::json();
  last_error_.clear();
  pending_.clear();
  process_.start(cli, QStringList{"demo", "--project", project, "--json"} + extra);
  return true;
}

void DemoProcess::stop() {
  if (running()) process_.terminate();
}

void DemoProcess::readLines() {
  pending_ += process_.readAllStandardOutput();
  int nl;
  while ((nl = pending_.indexOf('\n')) >= 0) {
    const QByteArray line = pending_.left(nl).trimmed();
    pending_.remove(0, nl + 1);
    if (!line.startsWith('{')) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line.constData(), line.constData() + line.size());
    } catch (const nlohmann::json::exception&) {
      continue;  // not one of ours
    }
    const std::string event = j.value("event", "");
    if (event == "demo" || event == "message") {
      Q_EMIT message(QString::fromStdString(j.value("message", "")));
    } else if (event == "step") {
      Q_EMIT progress(j.value("run", int64_t{0}), j.value("step", int64_t{0}), j.value("total_steps", int64_t{0}),
                      number_or_nan(j, "eta_s"), number_or_nan(j, "reward"), number_or_nan(j, "loss"));
    } else if (event == "end") {
      Q_EMIT runEnded(j.value("run", int64_t{0}), QString::fromStdString(j.value("status", "")));
    } else if (event == "summary") {
      summary_ = j;
    }
  }
}

QString demo_checks_text(const nlohmann::json& summary) {
  struct Check {
    const char *label, *check, *diff, *se;
  };
  const Check checks[] = {{"reward rises", "reward_rises", "reward_rise", "reward_rise_se"},
                          {"GRPO ≥ SFT on NDCG@10", "grpo_at_least_sft_ndcg", "ndcg_difference", "ndcg_difference_se"},
                          {"diversity raises ILAD", "diversity_raises_ilad", "ilad_difference", "ilad_difference_se"}};
  auto number = [&](const char* key) {
    const auto it = summary.find(key);
    return it != summary.end() && it->is_number() ? it->get<double>() : NAN;
  };
  QStringList parts;
  if (!summary.is_object() || !summary.contains("checks")) return {};
  for (const Check& c : checks) {
    const auto it = summary["checks"].find(c.check);
    if (it == summary["checks"].end() || !it->is_boolean()) continue;
    QString part = QString("%1: %2").arg(QString::fromUtf8(c.label), it->get<bool>() ? QObject::tr("yes") : QObject::tr("no"));
    const double d = number(c.diff), se = number(c.se);
    if (std::isfinite(d) && std::isfinite(se))
      part += QString(" (%1 ± %2, %3 noise)")
                  .arg(QString::asprintf("%+.3f", d), QString::number(se, 'f', 3),
                       std::abs(d) > 2 * se ? QObject::tr("beyond") : QObject::tr("within"));
    parts << part;
  }
  return parts.join(" · ");
}

}  // namespace rf::gui
