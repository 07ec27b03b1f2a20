// The HTTP teacher (core/teacher/teacher_http.h) against a tiny OpenAI-compatible server run in the test
// on a std::thread with POSIX sockets: it answers POST /v1/chat/completions with canned completions in
// order, good and broken, so the retry / drop bookkeeping can be counted by hand. Also URL parsing and
// the errors for an unreachable server, a non-200 status and a reply that is not a chat completion.
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "support/trace_support.h"
#include "teacher/teacher_http.h"
#include "teacher/teacher_traces.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace {

using nlohmann::json;

struct Canned {
  int status = 200;
  std::string body;
  bool chunked = false;
};

// Serves one canned reply per connection, in order, then stops. Records each request's target and body.
class CannedServer {
 public:
  explicit CannedServer(std::vector<Canned> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<std::pair<std::string, std::string>> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    for (const Canned& c : replies_) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0 || stop_) return;
      std::string req;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || req.size() < need) {
        const ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        const size_t end = req.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          const size_t cl = req.find("Content-Length: ");
          need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16)));
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        const size_t sp = req.find(' '), sp2 = req.find(' ', sp + 1);
        const size_t end = req.find("\r\n\r\n");
        requests_.emplace_back(req.substr(sp + 1, sp2 - sp - 1), end == std::string::npos ? "" : req.substr(end + 4));
      }
      std::string reply = "HTTP/1.1 " + std::to_string(c.status) + (c.status == 200 ? " OK" : " Error") +
                          "\r\nContent-Type: application/json\r\nConnection: close\r\n";
      if (c.chunked) {
        const size_t half = c.body.size() / 2;
        char h1[32], h2[32];
        std::snprintf(h1, sizeof h1, "%zx", half);
        std::snprintf(h2, sizeof h2, "%zx", c.body.size() - half);
        reply += "Transfer-Encoding: chunked\r\n\r\n" + std::string(h1) + "\r\n" + c.body.substr(0, half) + "\r\n" + h2 + "\r\n" +
                 c.body.substr(half) + "\r\n0\r\n\r\n";
      } else {
        reply += "Content-Length: " + std::to_string(c.body.size()) + "\r\n\r\n" + c.body;
      }
      ::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  std::vector<Canned> replies_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> requests_;
};

std::string chat_reply(const std::string& content) {
  return json{
      {"id", "x"},
      {"object", "chat.completion"},
      {"choices",
       json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}})}}
      .dump();
}

const std::string kGood =
    "<analyze user>Generous rater.</analyze user><analyze item>Well liked.</analyze item><match>Good fit.</match><rate>4</rate>";
const std::string kBroken = "<analyze user>Generous rater.</analyze user><analyze item>Well liked.</analyze item><rate>4</rate>";

using rf::test::sample_dataset;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

class TestTeacherHttp : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void url_parse_data() {
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("path");
    QTest::newRow("vllm") << "http://127.0.0.1:8000/v1"
                          << "127.0.0.1" << 8000 << "/v1";
    QTest::newRow("trailing slash") << "http://localhost:8080/v1/"
                                    << "localhost" << 8080 << "/v1";
    QTest::newRow("default port, root") << "http://gpu-box"
                                        << "gpu-box" << 80 << "";
  }
  void url_parse() {
    QFETCH(QString, url);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, path);
    const rf::HttpUrl u = rf::http_url_parse(url.toStdString());
    QCOMPARE(QString::fromStdString(u.host), host);
    QCOMPARE(u.port, port);
    QCOMPARE(QString::fromStdString(u.path), path);
  }

  void url_errors_data() {
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("message");
    QTest::newRow("https") << "https://api.example.com/v1"
                           << "https is not supported";
    QTest::newRow("no scheme") << "localhost:8000"
                               << "expected http://host[:port][/path]";
    QTest::newRow("bad port") << "http://h:99999/v1"
                              << "bad port '99999'";
    QTest::newRow("no host") << "http://:80/v1"
                             << "no host";
  }
  void url_errors() {
    QFETCH(QString, url);
    QFETCH(QString, message);
    try {
      rf::http_url_parse(url.toStdString());
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains(message), e.what());
    }
  }

  void retried_and_dropped_counts() {
    // Three users, two retries each: user 1 good at once; user 2 broken then good; user 3 broken three
    // times (the last reply chunked) -> accepted 2 (1 after a retry), retries 1 + 2 = 3, dropped 1.
    CannedServer server({{200, chat_reply(kGood)},
                         {200, chat_reply(kBroken)},
                         {200, chat_reply(kGood)},
                         {200, chat_reply(kBroken)},
                         {200, chat_reply(kBroken)},
                         {200, chat_reply(kBroken), true}});
    rf::TraceOptions o;
    o.recipe = "rating";
    o.users = 3;
    o.seed = 1;
    o.teacher_url = server.url();
    o.teacher_model = "teacher-x";
    o.retries = 2;
    std::vector<json> traces;
    const rf::TraceSummary s = rf::traces_generate(sample_dataset(), o, [&](const json& r) { traces.push_back(r); });
    QCOMPARE(s.prompts, int64_t{3});
    QCOMPARE(s.accepted, int64_t{2});
    QCOMPARE(s.accepted_after_retry, int64_t{1});
    QCOMPARE(s.retries, int64_t{3});
    QCOMPARE(s.dropped, int64_t{1});
    QCOMPARE(s.written, int64_t{2});
    QCOMPARE(s.parse_ok, int64_t{2});
    QCOMPARE(traces.size(), size_t{2});
    QCOMPARE(traces[0]["attempts"].get<int>(), 1);
    QCOMPARE(traces[1]["attempts"].get<int>(), 2);
    for (const auto& t : traces) {
      QCOMPARE(t["completion"].get<std::string>(), kGood);
      QCOMPARE(t["teacher"].get<std::string>(), std::string("http:teacher-x"));
      QCOMPARE(t["rewards"]["format"].get<double>(), 1.0);
    }
    const auto reqs = server.requests();
    QCOMPARE(reqs.size(), size_t{6});
    for (const auto& [target, body] : reqs) QCOMPARE(target, std::string("/v1/chat/completions"));
    const json first = json::parse(reqs[0].second);
    QCOMPARE(first["model"].get<std::string>(), std::string("teacher-x"));
    QCOMPARE(first["messages"].back()["role"].get<std::string>(), std::string("user"));
    QCOMPARE(first["messages"].back()["content"], traces[0]["prompt"]);
    QCOMPARE(json::parse(reqs[2].second)["messages"].back()["content"], traces[1]["prompt"]);  // the retry sends the same prompt
  }

  void chunked_reply() {
    CannedServer server({{200, chat_reply("hello <b>world</b>"), true}});
    rf::ChatEndpoint e;
    e.url = server.url();
    e.model = "m";
    QCOMPARE(rf::chat_complete(e, {{"user", "hi"}}), std::string("hello <b>world</b>"));
  }

  void server_errors_data() {
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("message");
    QTest::newRow("500") << 500 << "{\"error\": \"model not loaded\"}"
                         << "HTTP 500: {\"error\": \"model not loaded\"}";
    QTest::newRow("not JSON") << 200 << "<html>"
                              << "the reply is not JSON";
    QTest::newRow("no choices") << 200 << "{\"object\": \"error\"}"
                                << "no choices[0].message.content";
  }
  void server_errors() {
    QFETCH(int, status);
    QFETCH(QString, body);
    QFETCH(QString, message);
    CannedServer server({{status, body.toStdString()}});
    rf::ChatEndpoint e;
    e.url = server.url();
    e.model = "m";
    try {
      rf::chat_complete(e, {{"user", "hi"}});
      QFAIL("no error");
    } catch (const rf::Error& err) {
      QVERIFY2(QString(err.what()).contains(message), err.what());
      QVERIFY2(QString(err.what()).contains(QString::fromStdString(server.url() + "/chat/completions")), err.what());
    }
  }

  void unreachable_server() {
    rf::TraceOptions o;
    o.recipe = "rating";
    o.users = 2;
    o.teacher_url = "http://127.0.0.1:" + std::to_string(free_port()) + "/v1";
    o.teacher_model = "m";
    o.timeout_s = 5;
    try {
      rf::traces_generate(sample_dataset(), o, [](const json&) {});
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("cannot connect"), e.what());
    }
    o.teacher_model = "";
    try {
      rf::traces_generate(sample_dataset(), o, [](const json&) {});
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(QString(e.what()).contains("--teacher-url needs --teacher-model"), e.what());
    }
  }
};

RF_TEST_SUITE(TestTeacherHttp);
#include "test_teacher_http.moc"
