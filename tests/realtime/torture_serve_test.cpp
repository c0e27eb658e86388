// The 61 RFC 4475 / RFC 5118 torture messages sent over UDP to a real `trunklab serve` on
// 127.0.0.1, one fresh serve per message (several messages share a branch and sent-by, which a
// live server rightly treats as retransmissions of the first), judged by the same table as the
// virtual-time test (tests/sip/torture_corpus.hpp). serve must still be running after every
// message and stop cleanly. Prints "N/61 conformant".
#include "tests/realtime/child_process.hpp"
#include "tests/sip/torture_corpus.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 10s;            // only a hung serve reaches it
constexpr auto kFinalWithin = 3s;       // a final answer comes at once; this bounds a lost one
constexpr auto kSilenceWindow = 300ms;  // how long "no answer" is watched for

// The port in serve's "listening on udp:127.0.0.1:PORT" line.
int listening_port(const std::string& output) {
  const std::string marker = "listening on udp:127.0.0.1:";
  const auto at = output.find(marker);
  return at == std::string::npos ? 0 : std::atoi(output.c_str() + at + marker.size());
}

bool is_final(const std::string& line) {
  return line.size() >= 12 && line.starts_with("SIP/2.0 ") && line[8] != '1';
}

// Sends `bytes` to 127.0.0.1:port and collects the first lines of what comes back: until a
// final response (then a short grace for a wrong extra one) or, when none is expected, for
// the silence window.
std::vector<std::string> exchange(int port, const std::string& bytes, bool expect_answer) {
  std::vector<std::string> answers;
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return answers;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  auto deadline = std::chrono::steady_clock::now() + (expect_answer ? kFinalWithin : kSilenceWindow);
  char buffer[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    std::string text(buffer, static_cast<std::size_t>(n));
    answers.push_back(text.substr(0, text.find("\r\n")));
    if (is_final(answers.back())) deadline = std::chrono::steady_clock::now() + 50ms;
  }
  ::close(fd);
  return answers;
}

TEST(TortureServe, ServeIsConformantOnAll61AndNeverCrashes) {
  int conformant = 0;
  std::size_t still_running = 0;
  for (const auto& c : torture::cases()) {
    SCOPED_TRACE(fmt::format("{} ({})", c.name, c.section));
    const auto bytes = torture::read_case(TRUNKLAB_TORTURE_DIR, c);
    ASSERT_TRUE(bytes) << "missing file";
    ChildProcess serve({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", ":memory:"});
    ASSERT_TRUE(serve.wait_for_output("listening on udp:127.0.0.1:", kBound)) << serve.output();
    const int port = listening_port(serve.output());
    ASSERT_GT(port, 0) << serve.output();
    const auto answers = exchange(port, *bytes, c.expect != torture::Expect::dropped);
    const auto why = torture::judge(c, answers);
    EXPECT_EQ(why, "");
    EXPECT_TRUE(serve.running()) << "serve died on " << c.name << ":\n" << serve.output();
    if (serve.running()) ++still_running;
    if (why.empty() && serve.running()) ++conformant;
    fmt::print("  {:<30} {:<20} {}\n", c.name, c.section, answers.empty() ? "(no answer)" : answers.back());
    serve.signal(SIGTERM);
    EXPECT_EQ(serve.wait(kBound), 0) << serve.output();
  }
  fmt::print("RFC 4475/5118 torture corpus (trunklab serve over UDP): {}/{} conformant, {} crashes\n",
             conformant, torture::cases().size(), torture::cases().size() - still_running);
  EXPECT_EQ(conformant, 61);
}

}  // namespace
}  // namespace trunklab::testing
