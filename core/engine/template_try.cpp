// The template designer's preview and "Try it" (see template_try.h).
#include "engine/template_try.h"

#include "engine/answer_json.h"
#include "engine/run_eval.h"
#include "reward/reward_composite.h"
#include "text/chat_format.h"
#include "text/template.h"
#include "util/error.h"

namespace rf {

RecipePrompt template_try_prompt(const RunData& d, const RunConfig& c, const std::string& template_source,
                                 const std::string& user_id, const std::string& holdout) {
  const int32_t user = d.ds.user_find(user_id);
  if (user < 0) throw Error("user: no user '" + user_id + "' in data set '" + d.ds.name + "'");
  RecipePromptOptions o = run_prompt_options(c, holdout, 0);
  o.template_source = template_source;
  o.only_users = {user};
  std::vector<RecipePrompt> prompts;
  try {
    prompts = recipe_prompts_build(d.ds, d.split, o);
  } catch (const TemplateError&) {
    throw;
  } catch (const Error& e) {
    // The one user not being eligible reads as "no user has a history ..." from the builder: say who.
    const std::string what = e.what();
    if (what.find("no user has a history") != std::string::npos)
      throw Error("user '" + user_id + "' has no history before a " + holdout + " interaction" +
                  (c.recipe == "rating" ? " with a rating" : "") + "; choose another user or held-out part");
    throw;
  }
  if (prompts.empty()) throw Error("user '" + user_id + "': no prompt");
  return prompts.front();
}

TemplateTryPreview template_try_preview(const RunModel& m, const RecipePrompt& p, int64_t max_prompt_length) {
  TemplateTryPreview out;
  if (m.chat) {
    std::vector<ChatMessage> messages;
    if (!p.system.empty()) messages.push_back({"system", p.system});
    messages.push_back({"user", p.prompt});
    out.text = chat_format_render(*m.chat, messages, true) + p.prefill;
    out.chat = chat_family_name(*m.chat);
  } else {
    out.text = (p.system.empty() ? p.prompt : p.system + "\n\n" + p.prompt) + p.prefill;
  }
  out.tokens = static_cast<int64_t>(m.tokenizer->encode(out.text).size());
  // The ids the trainer would feed: the same function, so truncation is reported as it would happen.
  out.kept_tokens = static_cast<int64_t>(run_model_prompt_ids(m, p.system, p.prompt, p.prefill, max_prompt_length).size());
  return out;
}

std::vector<TemplateTryAnswer> template_try_answers(RunModel& m, const RunData& d, const RunConfig& c, const RecipePrompt& p,
                                                    int n, uint64_t seed) {
  if (!m.model) throw Error("Try it: the model's weights are not loaded");
  if (n < 1 || n > 64) throw Error("Try it: the number of answers must be 1..64, not " + std::to_string(n));
  const std::vector<RecipePrompt> prompts(static_cast<size_t>(n), p);
  RewardComposite reward(c.rewards, "rewards");
  RunEvalOptions o = run_eval_options(c);
  o.batch = n;
  o.greedy = false;  // n samples of the run's policy
  o.seed = seed;
  const ModelAnswers a = run_eval_model_answers(m, prompts, reward, *d.context, o);
  nlohmann::json targets = nlohmann::json::array();
  for (int32_t it : p.targets) targets.push_back(d.ds.items[static_cast<size_t>(it)].id);
  std::vector<TemplateTryAnswer> out(static_cast<size_t>(n));
  for (size_t i = 0; i < out.size(); ++i) {
    TemplateTryAnswer& t = out[i];
    t.completion = a.completions[i];
    t.parsed = answer_parsed_json(a.parsed[i], d.ds);
    t.parsed["targets"] = targets;
    t.rewards = answer_rewards_json(a.rewards[i]);
    t.total = a.rewards[i].total;
    t.tokens = a.tokens[i];
    for (int64_t id : a.token_ids[i])
      t.pieces.push_back(m.tokenizer->decode(std::vector<int32_t>{static_cast<int32_t>(id)}, false));
    t.logprobs = a.logprobs[i];
  }
  return out;
}

}  // namespace rf
