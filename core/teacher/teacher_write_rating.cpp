// The Rating recipe's teacher writer (teacher_writers.h): RecOne's "rationalised" trace. Knowing the true
// rating, it analyses the user (average, recent ratings, the target's categories in their history), the
// item (categories, other users' average) and argues in <match> from a baseline (the two averages) towards
// the true rating, citing the reasons the data offers for the gap.
#include "teacher/teacher_profile.h"
#include "teacher/teacher_writers.h"
#include "util/error.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace rf {

namespace {

using nlohmann::json;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

double number_or_nan(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

std::string analyze_user(const HistoryProfile& p, const json& context, const std::vector<std::string>& target_cats,
                         PhraseRng& rng) {
  std::vector<std::string> s;
  if (std::isnan(p.average_rating)) {
    s.push_back(phrase_pick(rng, {"The user has not rated anything yet, so their habits are unknown.",
                                  "No earlier ratings: I cannot tell whether this user is generous or strict."}));
  } else {
    const double avg = p.average_rating;
    const std::string habit = avg >= 4.0 ? "a generous rater" : avg <= 3.0 ? "a demanding rater" : "a moderate rater";
    s.push_back(phrase_pick(
        rng,
        {"The user has rated {n} items with an average of {avg}, {habit}.", "Over {n} ratings this user averages {avg}: {habit}.",
         "With an average of {avg} across {n} ratings, this is {habit}.",
         "Their {n} ratings average {avg}, which makes them {habit}.",
         "This user is {habit}: {avg} on average over {n} ratings."},
        {{"n", std::to_string(p.rating_count)}, {"avg", phrase_number(avg)}, {"habit", habit}}));
  }
  const json& history = context.at("user").at("history");
  std::vector<std::string> last;
  for (size_t i = history.size() > 3 ? history.size() - 3 : 0; i < history.size(); ++i) {
    const double r = number_or_nan(history[i], "rating");
    if (!std::isnan(r)) last.push_back(quoted(history[i].value("title", std::string())) + " " + phrase_number(r));
  }
  if (!last.empty())
    s.push_back(phrase_pick(rng,
                            {"Recent ratings: {last}.", "Most recently they gave {last}.", "The latest ratings were {last}."},
                            {{"last", phrase_join(last)}}));
  if (!p.dominant.empty())
    s.push_back(phrase_pick(
        rng, {"They mostly pick {cats}.", "Their favourite categories are {cats}.", "Their history centres on {cats}."},
        {{"cats", phrase_join(std::vector<std::string>{p.dominant[0].first}) +
                      (p.dominant.size() > 1 ? " and " + p.dominant[1].first : std::string())}}));
  for (const auto& c : target_cats) {
    const double a = history_category_average(p, c);
    if (std::isnan(a)) continue;
    s.push_back(phrase_pick(rng, {"In {cat} they give {a} on average.", "Their {cat} ratings average {a}."},
                            {{"cat", c}, {"a", phrase_number(a)}}));
    break;
  }
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return out;
}

std::string analyze_item(const json& target, const std::vector<std::string>& cats, PhraseRng& rng) {
  const std::string title = quoted(target.value("title", std::string()));
  const double avg = number_or_nan(target, "average_rating");
  const int64_t count = target.value("rating_count", int64_t{0});
  std::string s;
  if (!cats.empty())
    s = phrase_pick(rng, {"{title} is a {cats} item.", "{title} falls under {cats}.", "{title}: {cats}."},
                    {{"title", title}, {"cats", phrase_join(cats)}});
  else
    s = phrase_pick(rng, {"{title} has no category information.", "Little is known about {title} beyond its title."},
                    {{"title", title}});
  if (std::isnan(avg) || count == 0)
    s += " " + phrase_pick(rng, {"Nobody else has rated it yet, so there is no consensus to lean on.",
                                 "It has no ratings from other users."});
  else {
    const std::string verdict = avg >= 4.0 ? "well liked" : avg <= 3.0 ? "received coolly" : "rated middling";
    s += " " + phrase_pick(
                   rng,
                   {"Other users rate it {avg} on average over {count} ratings, so it is {verdict}.",
                    "Its average is {avg} from {count} ratings: {verdict}.", "{count} other ratings put it at {avg}, {verdict}."},
                   {{"avg", phrase_number(avg)}, {"count", std::to_string(count)}, {"verdict", verdict}});
  }
  return s;
}

std::string match(const HistoryProfile& p, const json& context, const json& target, const std::vector<std::string>& cats,
                  double truth, double low, double high, PhraseRng& rng) {
  const double user_avg = p.average_rating, item_avg = number_or_nan(target, "average_rating");
  double baseline = NAN;
  std::string basis;
  if (!std::isnan(user_avg) && !std::isnan(item_avg)) {
    baseline = (user_avg + item_avg) / 2;
    basis = "the two averages";
  } else if (!std::isnan(user_avg)) {
    baseline = user_avg;
    basis = "the user's average";
  } else if (!std::isnan(item_avg)) {
    baseline = item_avg;
    basis = "the item's average";
  } else {
    baseline = (low + high) / 2;
    basis = "the middle of the scale";
  }
  // Evidence for and against, from the data.
  std::vector<std::string> up, down;
  const ItemAffinity a = history_affinity(p, target);
  for (const auto& c : cats) {
    const double ca = history_category_average(p, c);
    if (std::isnan(ca) || std::isnan(user_avg)) continue;
    if (ca >= user_avg + 0.25) up.push_back("they rate " + c + " above their usual (" + phrase_number(ca) + ")");
    if (ca <= user_avg - 0.25) down.push_back("their " + c + " ratings run below their usual (" + phrase_number(ca) + ")");
  }
  if (!a.categories.empty() && !p.dominant.empty() && a.categories[0].first == p.dominant[0].first)
    up.push_back("it is in " + a.categories[0].first + ", their favourite category");
  if (a.categories.empty() && !cats.empty()) down.push_back("nothing in their history is " + cats[0]);
  if (!a.creator.empty()) up.push_back("they already chose " + a.creator + "'s work");
  if (!std::isnan(item_avg) && item_avg >= 4.0) up.push_back("other users like it");
  if (!std::isnan(item_avg) && item_avg <= 3.0) down.push_back("other users are lukewarm about it");
  // The recent ratings against the user's overall average: a change of mood or of luck.
  {
    const json& history = context.at("user").at("history");
    double sum = 0;
    int n = 0;
    for (size_t i = history.size() > 3 ? history.size() - 3 : 0; i < history.size(); ++i)
      if (const double r = number_or_nan(history[i], "rating"); !std::isnan(r)) {
        sum += r;
        ++n;
      }
    if (n > 0 && !std::isnan(user_avg)) {
      const double recent = sum / n;
      if (recent >= user_avg + 0.5) up.push_back("their recent ratings run high (" + phrase_number(recent) + " on average)");
      if (recent <= user_avg - 0.5) down.push_back("their recent ratings are lower (" + phrase_number(recent) + " on average)");
    }
  }
  if (!std::isnan(p.best_rating) && p.best_rating >= truth && !p.best_titles.empty() && truth >= (low + high) / 2 + 0.5)
    up.push_back("they gave " + phrase_number(p.best_rating) + " to " + quoted(p.best_titles[0]));
  if (!p.worst_titles.empty() && truth <= p.worst_rating + 0.5)
    down.push_back("they gave only " + phrase_number(p.worst_rating) + " to " + quoted(p.worst_titles[0]));

  const PhraseVars v = {{"base", phrase_number(baseline)}, {"basis", basis}, {"truth", phrase_number(truth)}};
  std::string s = phrase_pick(rng,
                              {"Starting from {basis}, a first estimate is {base}.", "{basis} suggest about {base}.",
                               "A baseline from {basis} gives {base}.", "From {basis} alone I would expect {base}."},
                              v);
  // "suggest" reads wrongly with a singular basis; fix the verb.
  if (basis != "the two averages") {
    const auto at = s.find(" suggest ");
    if (at != std::string::npos) s.replace(at, 9, " suggests ");
  }
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  const double gap = truth - baseline;
  if (gap >= 0.5) {
    const std::string why =
        up.empty()
            ? "the user tends to enjoy items like this more than their average suggests"
            : phrase_join(std::vector<std::string>(up.begin(), up.begin() + static_cast<long>(std::min<size_t>(up.size(), 2))));
    s += " " + phrase_pick(rng,
                           {"But {why}, which pushes the estimate up to {truth}.",
                            "The fit is better than that: {why}. I go up to {truth}.", "I expect more, because {why}: {truth}."},
                           {{"why", why}, {"truth", phrase_number(truth)}});
  } else if (gap <= -0.5) {
    const std::string why = down.empty() ? "this item is further from what the user enjoys than the averages show"
                                         : phrase_join(std::vector<std::string>(
                                               down.begin(), down.begin() + static_cast<long>(std::min<size_t>(down.size(), 2))));
    s +=
        " " + phrase_pick(rng,
                          {"However, {why}, so I lower it to {truth}.",
                           "The fit is weaker: {why}. That brings it down to {truth}.", "I expect less, because {why}: {truth}."},
                          {{"why", why}, {"truth", phrase_number(truth)}});
  } else {
    s += " " + phrase_pick(rng,
                           {"Nothing in the history pulls strongly away from that, so {truth}.",
                            "The history agrees with this estimate; I settle on {truth}.",
                            "The evidence is balanced, which keeps the prediction close to it: {truth}."},
                           {{"truth", phrase_number(truth)}});
  }
  return s;
}

}  // namespace

std::string teacher_write_rating(const json& context, double true_rating, PhraseRng& rng) {
  if (!context.contains("target") || !context["target"].is_object())
    throw Error("teacher rating: the context has no target item (build it with the rating recipe)");
  if (!std::isfinite(true_rating)) throw Error("teacher rating: the true rating is not a number");
  const json& target = context["target"];
  const json& ds = context.at("dataset");
  const double low = ds.contains("rating_min") && ds["rating_min"].is_number() ? ds["rating_min"].get<double>() : 1.0;
  const double high = ds.contains("rating_max") && ds["rating_max"].is_number() ? ds["rating_max"].get<double>() : 5.0;
  const HistoryProfile p = history_profile_build(context);
  const std::vector<std::string> cats = context_item_categories(target);
  return "<analyze user>" + analyze_user(p, context, cats, rng) + "</analyze user>\n<analyze item>" +
         analyze_item(target, cats, rng) + "</analyze item>\n<match>" +
         match(p, context, target, cats, true_rating, low, high, rng) + "</match>\n<rate>" + phrase_number(true_rating) +
         "</rate>";
}

}  // namespace rf
