// How varied a set of teacher traces is worded (teacher_traces.h): distinct first sentences, distinct
// openings and distinct word bigrams, the numbers `recforge-cli traces` prints in its summary.
#include "teacher/teacher_traces.h"

#include <cctype>
#include <set>

namespace rf {

namespace {

std::vector<std::string> words_of(const std::string& s) {
  std::vector<std::string> out;
  std::string w;
  for (char ch : s) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      if (!w.empty()) out.push_back(w);
      w.clear();
    } else {
      w += ch;
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

// The reasoning: the content of the first tag (after its '>'), or the whole text when there is no tag.
std::string first_sentence(const std::string& text) {
  size_t start = 0;
  if (const size_t lt = text.find('<'); lt != std::string::npos)
    if (const size_t gt = text.find('>', lt); gt != std::string::npos) start = gt + 1;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  size_t end = start;
  while (end < text.size() && text[end] != '<') {
    const char c = text[end];
    if ((c == '.' || c == '!' || c == '?') &&
        (end + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[end + 1])) || text[end + 1] == '<')) {
      ++end;
      break;
    }
    ++end;
  }
  return text.substr(start, end - start);
}

}  // namespace

TraceVariety trace_variety(const std::vector<std::string>& completions) {
  TraceVariety v;
  if (completions.empty()) return v;
  std::set<std::string> firsts, openings, bigrams;
  int64_t all_bigrams = 0;
  for (const auto& c : completions) {
    const std::string first = first_sentence(c);
    firsts.insert(first);
    const auto fw = words_of(first);
    std::string opening;
    for (size_t i = 0; i < fw.size() && i < 3; ++i) opening += (i ? " " : "") + fw[i];
    openings.insert(opening);
    const auto w = words_of(c);
    for (size_t i = 1; i < w.size(); ++i) {
      bigrams.insert(w[i - 1] + " " + w[i]);
      ++all_bigrams;
    }
  }
  v.distinct_first_sentences = static_cast<double>(firsts.size()) / static_cast<double>(completions.size());
  v.distinct_openings = static_cast<int64_t>(openings.size());
  v.distinct_2 = all_bigrams > 0 ? static_cast<double>(bigrams.size()) / static_cast<double>(all_bigrams) : 0;
  return v;
}

}  // namespace rf
