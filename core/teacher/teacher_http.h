// A teacher served over an OpenAI-compatible HTTP endpoint (a local vLLM or llama.cpp server): one
// POST {base}/chat/completions per prompt, over plain POSIX sockets (http:// only, HTTP/1.1 with
// "Connection: close", Content-Length or chunked replies). No TLS and no proxy: the endpoint is meant to be
// on the user's machine or network. Failures are rf::Error naming the URL and what went wrong.
#pragma once

#include "text/chat_format.h"

#include <string>
#include <vector>

namespace rf {

struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path;  // "/v1" (no trailing '/'), "" for the root
};

// "http://host[:port][/path]"; rf::Error for https:// or anything else.
HttpUrl http_url_parse(const std::string& url);

struct HttpResponse {
  int status = 0;
  std::string body;  // de-chunked
};

// POSTs `body` (Content-Type: application/json) to url.path + `path`; waits at most `timeout_s` for each
// socket operation. rf::Error when the host cannot be resolved or reached, or the reply is not HTTP.
HttpResponse http_post_json(const HttpUrl& url, const std::string& path, const std::string& body, int timeout_s);

struct ChatEndpoint {
  std::string url;    // base URL, e.g. http://127.0.0.1:8000/v1
  std::string model;  // the "model" field
  double temperature = 0.7;
  int max_tokens = 1024;
  int timeout_s = 300;
};

// choices[0].message.content of POST {url}/chat/completions with `messages`. rf::Error for a non-200
// status (with the start of the body) or a reply without that field.
std::string chat_complete(const ChatEndpoint& endpoint, const std::vector<ChatMessage>& messages);

}  // namespace rf
