// Reading docs/config.md's field tables (see config_docs.h).
#include "config_docs.h"

#include <QFile>

#include <sstream>

namespace rf::gui {

namespace {

std::string trim(std::string s) {
  const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::string unquote(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '`') out += c;
  return out;
}

}  // namespace

std::map<std::string, ConfigFieldDoc> config_docs_parse(const std::string& markdown) {
  std::map<std::string, ConfigFieldDoc> out;
  std::istringstream in(markdown);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    size_t start = 1;
    for (size_t i = 1; i < line.size(); ++i)
      if (line[i] == '|' && line[i - 1] != '\\') {
        cells.push_back(trim(line.substr(start, i - start)));
        start = i + 1;
      }
    if (cells.size() < 3) continue;
    out[unquote(cells[0])] = {unquote(cells[1]), unquote(cells[2])};
  }
  return out;
}

const std::map<std::string, ConfigFieldDoc>& config_docs() {
  static const std::map<std::string, ConfigFieldDoc> docs = [] {
    QFile f(":/docs/config.md");
    if (!f.open(QIODevice::ReadOnly)) return std::map<std::string, ConfigFieldDoc>{};
    return config_docs_parse(f.readAll().toStdString());
  }();
  return docs;
}

}  // namespace rf::gui
