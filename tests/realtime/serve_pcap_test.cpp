// `trunklab serve --pcap FILE` records its own traffic: a REGISTER and its 401 over UDP and over
// TCP (with the client's real ephemeral port), in a file that `trunklab ladder` draws and
// tshark decodes, readable even when serve is killed; the file rotates by size into FILE.1 ..
// and never leaves more than --pcap-files files, each a valid capture on its own; a path that
// cannot be written is refused at start.
#include "reports/ladder/ladder.hpp"
#include "reports/pcap/pcap_reader.hpp"
#include "tests/realtime/child_process.hpp"
#include "tests/realtime/udp_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <thread>
#include <string>
#include <vector>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kBound = 15s;  // generous: only a hung process reaches it

std::string register_request(const std::string& transport, std::uint16_t port, int cseq) {
  return "REGISTER sip:default.registrar.example.test SIP/2.0\r\n"
         "Via: SIP/2.0/" + transport + " 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bKpcap" +
         std::to_string(cseq) + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:office1@default.registrar.example.test>;tag=p1\r\n"
         "To: <sip:office1@default.registrar.example.test>\r\n"
         "Call-ID: pcap-test-" + std::to_string(cseq) + "@127.0.0.1\r\n"
         "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
         "Contact: <sip:office1@127.0.0.1:" + std::to_string(port) + ">\r\n"
         "Expires: 60\r\n"
         "Content-Length: 0\r\n\r\n";
}

// tshark run as root says so on stderr first.
std::string without_root_warning(std::string text) {
  if (text.starts_with("Running as user")) text.erase(0, text.find('\n') + 1);
  return text;
}

class ServePcap : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("trunklab-serve-pcap-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    pcap_ = (dir_ / "serve.pcap").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ChildProcess> start(const std::string& listen, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{TRUNKLAB_BINARY, "serve", "--listen", listen, "--db", ":memory:", "--pcap", pcap_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto serve = std::make_unique<ChildProcess>(argv);
    EXPECT_TRUE(serve->wait_for_output(" expired removed\n", kBound)) << serve->output();
    std::smatch m;
    const std::string out = serve->output();
    EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(listening on \w+:127\.0\.0\.1:(\d+))"))) << out;
    port_ = static_cast<std::uint16_t>(m.size() > 1 ? std::stoi(m[1].str()) : 0);
    return serve;
  }

  static std::vector<std::string> labels(const reports::PcapRead& read) {
    std::vector<std::string> out;
    for (const auto& m : reports::build_ladder(read.datagrams).messages) out.push_back(m.label);
    return out;
  }

  std::filesystem::path dir_;
  std::string pcap_;
  std::uint16_t port_ = 0;
};

TEST_F(ServePcap, RecordsAUdpRegisterAndItsChallengeEvenWhenKilled) {
  auto serve = start("udp:127.0.0.1:0");
  UdpPeer phone;
  ASSERT_TRUE(phone.send(port_, register_request("UDP", phone.port(), 1)));
  auto answer = phone.receive(5s);
  ASSERT_TRUE(answer) << serve->output();
  ASSERT_THAT(*answer, ::testing::StartsWith("SIP/2.0 401 "));
  // The 401 is recorded once the kernel took it, a moment after the phone may have it: wait
  // (bounded) until the file shows it, then kill: no clean shutdown, the flushed file is read.
  for (int i = 0; i < 500 && reports::read_pcap(pcap_).datagrams.size() < 2; ++i) std::this_thread::sleep_for(10ms);
  serve->signal(SIGKILL);
  serve->wait(kBound);
  const auto read = reports::read_pcap(pcap_);
  ASSERT_EQ(read.error, "");
  EXPECT_THAT(labels(read), ElementsAre("REGISTER", "401 Unauthorized"));
  ASSERT_EQ(read.datagrams.size(), 2u);
  EXPECT_EQ(read.datagrams[0].src.port(), phone.port());
  EXPECT_EQ(read.datagrams[0].dst.port(), port_);
}

// A plain TCP client on loopback: the REGISTER on one connection, the 401 read back.
struct TcpClient {
  explicit TcpClient(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    sockaddr_in local{};
    socklen_t length = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
    local_port = ntohs(local.sin_port);
  }
  ~TcpClient() { ::close(fd); }
  std::string read_until(const std::string& text) const {
    std::string got;
    pollfd p{fd, POLLIN, 0};
    while (got.find(text) == std::string::npos && ::poll(&p, 1, 5000) > 0) {
      char buffer[4096];
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      got.append(buffer, static_cast<std::size_t>(n));
    }
    return got;
  }
  int fd = -1;
  bool connected = false;
  std::uint16_t local_port = 0;
};

TEST_F(ServePcap, RecordsTcpWithTheClientsPortAndLadderAndTsharkReadIt) {
  auto serve = start("tcp:127.0.0.1:0");
  {
    TcpClient phone(port_);
    ASSERT_TRUE(phone.connected);
    const std::string request = register_request("TCP", phone.local_port, 1);
    // Two writes: the server frames one message from both (and so must the capture).
    ASSERT_EQ(::send(phone.fd, request.data(), 100, MSG_NOSIGNAL), 100);
    ASSERT_EQ(::send(phone.fd, request.data() + 100, request.size() - 100, MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size() - 100));
    ASSERT_THAT(phone.read_until("\r\n\r\n"), HasSubstr("SIP/2.0 401 "));
    serve->signal(SIGTERM);
    ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
    EXPECT_THAT(serve->output(), HasSubstr("pcap " + pcap_ + ": 2 records, 0 rotations, 0 write errors"));
    const auto read = reports::read_pcap(pcap_);
    ASSERT_EQ(read.error, "");
    EXPECT_THAT(labels(read), ElementsAre("REGISTER", "401 Unauthorized"));
    ASSERT_EQ(read.datagrams.size(), 2u);
    EXPECT_EQ(read.datagrams[0].bytes, request);
    EXPECT_EQ(read.datagrams[0].src.port(), phone.local_port);
    EXPECT_EQ(read.datagrams[1].dst.port(), phone.local_port);
  }
  ChildProcess ladder({TRUNKLAB_BINARY, "ladder", pcap_});
  ASSERT_EQ(ladder.wait(kBound), 0) << ladder.output();
  EXPECT_THAT(ladder.output(), HasSubstr("REGISTER"));
  EXPECT_THAT(ladder.output(), HasSubstr("401 Unauthorized"));

  const auto tshark = find_on_path("tshark");
  ASSERT_TRUE(tshark) << "tshark is not installed (tools/setup.sh --tests installs it)";
  // serve's port is not 5060: tell tshark it carries SIP.
  ChildProcess decode({*tshark, "-r", pcap_, "-d", "tcp.port==" + std::to_string(port_) + ",sip", "-Y",
                       "sip && !_ws.malformed", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"});
  ASSERT_EQ(decode.wait(60s), 0) << decode.output();
  EXPECT_EQ(without_root_warning(decode.output()), "REGISTER\t\n\t401\n");
}

TEST_F(ServePcap, RotatesBySizeAndKeepsAtMostTheConfiguredFiles) {
  auto serve = start("udp:127.0.0.1:0", {"--pcap-max-bytes", "2KiB", "--pcap-files", "3"});
  UdpPeer phone;
  constexpr int kRegisters = 12;
  for (int i = 1; i <= kRegisters; ++i) {
    ASSERT_TRUE(phone.send(port_, register_request("UDP", phone.port(), i)));
    ASSERT_TRUE(phone.receive(5s)) << serve->output();
  }
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  EXPECT_THAT(files, ElementsAre("serve.pcap", "serve.pcap.1", "serve.pcap.2"));
  std::size_t messages = 0;
  int newest_cseq_seen = 0;
  for (const auto& name : files) {
    const auto path = dir_ / name;
    EXPECT_LE(std::filesystem::file_size(path), 2048u) << name;
    const auto read = reports::read_pcap(path.string());
    EXPECT_EQ(read.error, "") << name;
    EXPECT_FALSE(read.datagrams.empty()) << name;
    messages += read.datagrams.size();
    if (name == "serve.pcap") {  // the newest file ends with the last challenge
      EXPECT_THAT(read.datagrams.back().bytes, HasSubstr("CSeq: " + std::to_string(kRegisters) + " REGISTER"));
      newest_cseq_seen = kRegisters;
    }
  }
  EXPECT_EQ(newest_cseq_seen, kRegisters);
  EXPECT_LT(messages, 2u * kRegisters);  // the oldest files were deleted
  EXPECT_THAT(serve->output(), ::testing::MatchesRegex(R"((.|\n)*pcap .*: 24 records, [1-9]\d* rotations, 0 write errors(.|\n)*)"));
}

TEST_F(ServePcap, AnUnwritablePathIsRefusedAtStart) {
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--db", ":memory:", "--pcap",
                      (dir_ / "no-such-dir" / "x.pcap").string()});
  EXPECT_EQ(serve.wait(kBound), 2);
  EXPECT_THAT(serve.output(), HasSubstr("--pcap cannot write " + (dir_ / "no-such-dir" / "x.pcap").string() +
                                        ": No such file or directory"));
}

}  // namespace
}  // namespace trunklab::testing
