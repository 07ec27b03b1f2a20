// Sentences built from a few topics, each with its own titles, so a tiny model can learn that a
// reader's next pick follows the topic of what they read before.
#include "demo_corpus.h"

#include <algorithm>
#include <iterator>
#include <random>

namespace rf::cli {

namespace {

struct Topic {
  const char* name;
  std::vector<const char*> titles;
};

const std::vector<Topic>& demo_topics() {
  static const std::vector<Topic> topics = {
      {"mystery", {"The Glass Harbor", "Midnight Ledger", "The Quiet Witness", "Shadows on Elm Street", "The Last Alibi"}},
      {"science fiction", {"Orbit of Ash", "The Iron Moon", "Signal from Vega", "Children of the Drift", "Cold Star"}},
      {"cooking", {"Bread and Salt", "The Spice Road Kitchen", "Slow Sunday Soups", "Green Market Plates", "Fire and Flour"}},
      {"history", {"The Silk Courier", "Empires of Bronze", "A Winter in Vienna", "The Lighthouse Years", "River Kings"}},
      {"travel", {"Trains Across Asia", "The Northern Coast", "Maps of the Andes", "Island Hopping", "A Road to Lisbon"}},
  };
  return topics;
}

const char* kNames[] = {"Maya", "Omar", "Lena", "Tom", "Ines", "Kofi", "Yuki", "Sam", "Nora", "Ravi"};

}  // namespace

std::vector<std::string> demo_corpus_make(int lines, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto& topics = demo_topics();
  std::vector<std::string> out;
  out.reserve(lines);
  for (int i = 0; i < lines; ++i) {
    const Topic& t = topics[rng() % topics.size()];
    const char* name = kNames[rng() % std::size(kNames)];
    std::vector<const char*> titles = t.titles;
    std::shuffle(titles.begin(), titles.end(), rng);
    std::string line = std::string(name) + " likes " + t.name + ". Read: " + titles[0] + ", " + titles[1] + ", " +
                       titles[2] + ". Next: " + titles[3] + ".";
    out.push_back(line);
  }
  return out;
}

}  // namespace rf::cli
