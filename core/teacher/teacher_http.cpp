// The OpenAI-compatible chat client of the HTTP teacher (teacher_http.h), on POSIX sockets.
#include "teacher/teacher_http.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace rf {

namespace {

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string where(const HttpUrl& u) { return "http://" + u.host + ":" + std::to_string(u.port) + u.path; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string dechunk(const std::string& body, const std::string& url) {
  std::string out;
  size_t i = 0;
  while (i < body.size()) {
    const size_t eol = body.find("\r\n", i);
    if (eol == std::string::npos) throw Error(url + ": malformed chunked reply");
    size_t size = 0;
    try {
      size = std::stoul(body.substr(i, eol - i), nullptr, 16);
    } catch (const std::exception&) {
      throw Error(url + ": malformed chunk size in the reply");
    }
    if (size == 0) break;
    if (eol + 2 + size > body.size()) throw Error(url + ": the reply ends inside a chunk");
    out.append(body, eol + 2, size);
    i = eol + 2 + size + 2;
  }
  return out;
}

}  // namespace

HttpUrl http_url_parse(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0)
    throw Error("teacher url '" + url +
                "': https is not supported; use a local http:// endpoint (e.g. http://127.0.0.1:8000/v1)");
  if (url.rfind(scheme, 0) != 0) throw Error("teacher url '" + url + "': expected http://host[:port][/path]");
  HttpUrl u;
  const std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  const size_t colon = hostport.rfind(':');
  if (colon != std::string::npos) {
    const std::string port = hostport.substr(colon + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535) throw Error("teacher url '" + url + "': bad port '" + port + "'");
    u.port = static_cast<int>(p);
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) throw Error("teacher url '" + url + "': no host");
  u.host = hostport;
  return u;
}

HttpResponse http_post_json(const HttpUrl& url, const std::string& path, const std::string& body, int timeout_s) {
  const std::string target = url.path + path;
  const std::string name = where(url) + path;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &found); rc != 0)
    throw Error(name + ": cannot resolve host '" + url.host + "': " + gai_strerror(rc));
  int fd = -1;
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{};
    tv.tv_sec = timeout_s > 0 ? timeout_s : 300;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    last_error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) throw Error(name + ": cannot connect: " + last_error);
  Socket sock(fd);

  const std::string request = "POST " + (target.empty() ? "/" : target) + " HTTP/1.1\r\nHost: " + url.host + ":" +
                              std::to_string(url.port) +
                              "\r\nContent-Type: application/json\r\nAccept: application/json\r\nConnection: close\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(sock.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(name + ": sending the request failed: " + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(sock.fd(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        throw Error(name + ": no reply within " + std::to_string(timeout_s) + " s (raise --teacher-timeout)");
      throw Error(name + ": reading the reply failed: " + std::strerror(errno));
    }
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > (256u << 20)) throw Error(name + ": the reply is larger than 256 MiB");
  }
  const size_t head_end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/", 0) != 0 || head_end == std::string::npos)
    throw Error(name + ": the reply is not HTTP" + (reply.empty() ? " (empty)" : ""));
  HttpResponse r;
  const size_t sp = reply.find(' ');
  r.status = std::atoi(reply.c_str() + sp + 1);
  const std::string head = lower(reply.substr(0, head_end));
  std::string body_text = reply.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos)
    body_text = dechunk(body_text, name);
  else if (const size_t cl = head.find("content-length:"); cl != std::string::npos) {
    const size_t len = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
    if (body_text.size() > len) body_text.resize(len);
  }
  r.body = std::move(body_text);
  return r;
}

std::string chat_complete(const ChatEndpoint& endpoint, const std::vector<ChatMessage>& messages) {
  const HttpUrl url = http_url_parse(endpoint.url);
  nlohmann::json req = {{"model", endpoint.model},
                        {"messages", nlohmann::json::array()},
                        {"temperature", endpoint.temperature},
                        {"max_tokens", endpoint.max_tokens},
                        {"stream", false}};
  for (const auto& m : messages) req["messages"].push_back({{"role", m.role}, {"content", m.content}});
  const HttpResponse r = http_post_json(url, "/chat/completions",
                                        req.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), endpoint.timeout_s);
  const std::string name = endpoint.url + "/chat/completions";
  if (r.status != 200) throw Error(name + ": HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) throw Error(name + ": the reply is not JSON: " + r.body.substr(0, 200));
  try {
    const auto& content = j.at("choices").at(0).at("message").at("content");
    return content.is_string() ? content.get<std::string>() : std::string();
  } catch (const nlohmann::json::exception&) {
    throw Error(name + ": the reply has no choices[0].message.content: " + r.body.substr(0, 200));
  }
}

}  // namespace rf
