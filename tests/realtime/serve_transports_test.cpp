// `trunklab serve` on UDP and TCP at once (RFC 3261 §18), as a user runs it: one run answers a
// REGISTER over UDP and one over TCP (its 401 and 200 on its own connection, its Via untouched),
// both sockets report to one --pcap that `trunklab ladder` draws and tshark decodes, the start
// line and the summary name both sockets; a provider configured "transport": "tcp" gets its
// INVITE over a connection (Via SIP/2.0/TCP, Contact ;transport=tcp), and one that refuses the
// connection fails the call at once (503) rather than after timer B; a TCP provider without a
// TCP socket, or two sockets of one transport, are refused at start.
#include "reference/auth/digest.hpp"
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
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr auto kBound = 15s;  // generous: only a hung process reaches it
constexpr const char* kDomain = "default.registrar.example.test";

std::string register_request(const std::string& transport, std::uint16_t port, int cseq,
                             const std::string& authorization = "") {
  return "REGISTER sip:" + std::string(kDomain) + " SIP/2.0\r\n"
         "Via: SIP/2.0/" + transport + " 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bKboth" +
         transport + std::to_string(cseq) + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:office1@" + kDomain + ">;tag=b1\r\n"
         "To: <sip:office1@" + kDomain + ">\r\n"
         "Call-ID: both-" + transport + "@127.0.0.1\r\n"
         "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
         "Contact: <sip:office1@127.0.0.1:" + std::to_string(port) +
         (transport == "TCP" ? ";transport=tcp" : "") + ">\r\n" +
         (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") +
         "Expires: 60\r\n"
         "Content-Length: 0\r\n\r\n";
}

// The Authorization for office1 answering the 401's MD5 challenge (RFC 2617 §3.2.2, qop=auth).
std::string authorization_for(const std::string& challenge) {
  std::smatch realm;
  std::smatch nonce;
  EXPECT_TRUE(std::regex_search(challenge, realm, std::regex(R"re(realm="([^"]+)")re"))) << challenge;
  EXPECT_TRUE(std::regex_search(challenge, nonce, std::regex(R"re(nonce="([^"]+)")re"))) << challenge;
  const std::string uri = "sip:" + std::string(kDomain);
  const auto md5 = [](const std::string& s) { return auth::hash_hex(auth::Algorithm::md5, s); };
  const std::string ha1 = md5("office1:" + realm[1].str() + ":office1-secret");
  const std::string ha2 = md5("REGISTER:" + uri);
  const std::string response = md5(ha1 + ":" + nonce[1].str() + ":00000001:c0ffee:auth:" + ha2);
  return "Digest username=\"office1\", realm=\"" + realm[1].str() + "\", nonce=\"" + nonce[1].str() + "\", uri=\"" +
         uri + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c0ffee\"";
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  return to;
}

std::uint16_t local_port(int fd) {
  sockaddr_in local{};
  socklen_t length = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  return ntohs(local.sin_port);
}

// One TCP connection on loopback; reads are bounded by poll.
class Stream {
public:
  explicit Stream(int fd) : fd_(fd) {}
  static Stream connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto to = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) ADD_FAILURE() << "connect";
    return Stream(fd);
  }
  Stream(Stream&& other) noexcept : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}
  Stream(const Stream&) = delete;
  ~Stream() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  void write(const std::string& bytes) const {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // The next whole message (headers and Content-Length body), "" when none came in 5 s.
  std::string read_message() {
    for (;;) {
      if (auto end = buffer_.find("\r\n\r\n"); end != std::string::npos) {
        std::smatch length;
        const std::string head = buffer_.substr(0, end);
        const std::size_t body = std::regex_search(head, length, std::regex(R"(\r\nContent-Length: *(\d+))", std::regex::icase))
                                     ? std::stoul(length[1].str())
                                     : 0;
        if (buffer_.size() >= end + 4 + body) {
          std::string message = buffer_.substr(0, end + 4 + body);
          buffer_.erase(0, message.size());
          return message;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return "";
      char chunk[4096];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

private:
  int fd_ = -1;
  std::string buffer_;
};

// A provider that listens on TCP only (nothing on UDP at its port).
class TcpListener {
public:
  TcpListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto at = loopback(0);
    ::bind(fd_, reinterpret_cast<const sockaddr*>(&at), sizeof at);
    ::listen(fd_, 4);
    port = local_port(fd_);
  }
  ~TcpListener() { ::close(fd_); }
  std::optional<Stream> accept() const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return std::nullopt;
    return Stream(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
  }
  std::uint16_t port = 0;

private:
  int fd_ = -1;
};

std::string header(const std::string& message, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(message, m, std::regex("\r\n" + name + ": *([^\r]*)\r\n", std::regex::icase))) return "";
  return m[1].str();
}

// tshark run as root says so on stderr first.
std::string without_root_warning(std::string text) {
  if (text.starts_with("Running as user")) text.erase(0, text.find('\n') + 1);
  return text;
}

class ServeTransports : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("trunklab-serve-both-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // The built-in example with its provider "carrier" at 127.0.0.1:`port`, over `transport`.
  std::string provider_config(std::uint16_t port, const std::string& transport) const {
    ChildProcess print({TRUNKLAB_BINARY, "serve", "--print-config"});
    EXPECT_EQ(print.wait(kBound), 0);
    std::string text = print.output();
    const std::string from = "\"address\": \"127.0.0.1:5070\",";
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << text;
    if (at != std::string::npos) {
      text.replace(at, from.size(), "\"address\": \"127.0.0.1:" + std::to_string(port) + "\", \"transport\": \"" +
                                        transport + "\",");
    }
    const auto file = path("config.json");
    std::ofstream(file) << text;
    return file;
  }

  // serve on UDP and TCP, both on ports the kernel picks; sets udp_port_ and tcp_port_.
  std::unique_ptr<ChildProcess> start_both(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{TRUNKLAB_BINARY, "serve",   "--listen", "udp:127.0.0.1:0",
                                  "--listen",      "tcp:127.0.0.1:0", "--db", ":memory:"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto serve = std::make_unique<ChildProcess>(argv);
    EXPECT_TRUE(serve->wait_for_output(" expired removed\n", kBound)) << serve->output();
    std::smatch m;
    const std::string out = serve->output();
    EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(listening on udp:127\.0\.0\.1:(\d+) and tcp:127\.0\.0\.1:(\d+) )")))
        << out;
    if (m.size() == 3) {
      udp_port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
      tcp_port_ = static_cast<std::uint16_t>(std::stoi(m[2].str()));
    }
    return serve;
  }

  std::filesystem::path dir_;
  std::uint16_t udp_port_ = 0;
  std::uint16_t tcp_port_ = 0;
};

TEST_F(ServeTransports, OneRunAnswersUdpAndTcpAndRecordsBothInOnePcap) {
  const auto pcap = path("both.pcap");
  auto serve = start_both({"--pcap", pcap});
  ASSERT_NE(tcp_port_, 0);

  UdpPeer udp_phone;
  ASSERT_TRUE(udp_phone.send(udp_port_, register_request("UDP", udp_phone.port(), 1)));
  const auto udp_answer = udp_phone.receive(5s);
  ASSERT_TRUE(udp_answer) << serve->output();
  EXPECT_THAT(*udp_answer, StartsWith("SIP/2.0 401 "));
  EXPECT_THAT(*udp_answer, HasSubstr("Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(udp_phone.port())));

  auto tcp_phone = Stream::connect_to(tcp_port_);
  const auto port = local_port(tcp_phone.fd());
  tcp_phone.write(register_request("TCP", port, 1));
  const auto challenge = tcp_phone.read_message();
  ASSERT_THAT(challenge, StartsWith("SIP/2.0 401 ")) << serve->output();
  EXPECT_EQ(header(challenge, "Via"),
            "SIP/2.0/TCP 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bKbothTCP1;received=127.0.0.1;rport=" +
                std::to_string(port));
  tcp_phone.write(register_request("TCP", port, 2, authorization_for(header(challenge, "WWW-Authenticate"))));
  const auto accepted = tcp_phone.read_message();
  ASSERT_THAT(accepted, StartsWith("SIP/2.0 200 ")) << serve->output();
  EXPECT_THAT(header(accepted, "Via"), StartsWith("SIP/2.0/TCP 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bKbothTCP2"));
  EXPECT_THAT(header(accepted, "Contact"), HasSubstr(";transport=tcp"));

  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  const auto out = serve->output();
  EXPECT_THAT(out, HasSubstr("REGISTER 3 (401 2, 200 1, 403 0)"));
  EXPECT_THAT(out, HasSubstr("; udp:127.0.0.1:" + std::to_string(udp_port_) + " datagrams in 1 out 1 (send errors 0); tcp:127.0.0.1:" +
                             std::to_string(tcp_port_) + " messages in 2 out 2 (send errors 0"));
  EXPECT_THAT(out, HasSubstr("pcap " + pcap + ": 6 records, 0 rotations, 0 write errors"));

  ChildProcess ladder({TRUNKLAB_BINARY, "ladder", pcap});
  ASSERT_EQ(ladder.wait(kBound), 0) << ladder.output();
  // One row per message ("F1 ..."): labels name the method of responses too ("200 OK (REGISTER)").
  const std::regex arrows(R"((^|\n)F[0-9]+ )");
  const auto& drawn = ladder.output();
  EXPECT_EQ(std::distance(std::sregex_iterator(drawn.begin(), drawn.end(), arrows), std::sregex_iterator()), 6)
      << drawn;

  const auto tshark = find_on_path("tshark");
  ASSERT_TRUE(tshark) << "tshark is not installed (tools/setup.sh --tests installs it)";
  // serve's ports are not 5060: tell tshark they carry SIP.
  ChildProcess decode({*tshark, "-r", pcap, "-d", "tcp.port==" + std::to_string(tcp_port_) + ",sip", "-d",
                       "udp.port==" + std::to_string(udp_port_) + ",sip", "-Y", "sip && !_ws.malformed", "-T", "fields",
                       "-e", "frame.protocols", "-e", "sip.Method", "-e", "sip.Status-Code"});
  ASSERT_EQ(decode.wait(60s), 0) << decode.output();
  EXPECT_EQ(without_root_warning(decode.output()),
            "eth:ethertype:ip:udp:sip\tREGISTER\t\n"
            "eth:ethertype:ip:udp:sip\t\t401\n"
            "eth:ethertype:ip:tcp:sip\tREGISTER\t\n"
            "eth:ethertype:ip:tcp:sip\t\t401\n"
            "eth:ethertype:ip:tcp:sip\tREGISTER\t\n"
            "eth:ethertype:ip:tcp:sip\t\t200\n");
}

// The phone calls over UDP through the trunk `local` (trusts 127.0.0.1); the provider listens
// on TCP only.
std::string invite(std::uint16_t phone_port) {
  const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  return "INVITE sip:+15551234567@127.0.0.1 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(phone_port) + ";branch=z9hG4bKcall1;rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:phone@127.0.0.1>;tag=c1\r\n"
         "To: <sip:+15551234567@127.0.0.1>\r\n"
         "Call-ID: tcp-provider-call@127.0.0.1\r\n"
         "CSeq: 1 INVITE\r\n"
         "Contact: <sip:phone@127.0.0.1:" + std::to_string(phone_port) + ">\r\n"
         "Content-Type: application/sdp\r\n"
         "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
}

// The next final response the phone gets (provisional ones skipped), "" when none.
std::string final_response(UdpPeer& phone) {
  for (int i = 0; i < 10; ++i) {
    auto got = phone.receive(5s);
    if (!got) return "";
    if (!got->starts_with("SIP/2.0 1")) return *got;
  }
  return "";
}

TEST_F(ServeTransports, AProviderConfiguredTcpGetsItsInviteOverAConnection) {
  TcpListener provider;
  auto serve = start_both({"--config", provider_config(provider.port, "tcp")});
  UdpPeer phone;
  ASSERT_TRUE(phone.send(udp_port_, invite(phone.port())));
  auto connection = provider.accept();
  ASSERT_TRUE(connection) << "no connection to the TCP provider\n" << serve->output();
  const auto request = connection->read_message();
  ASSERT_THAT(request, StartsWith("INVITE sip:+15551234567@sip.carrier.example")) << serve->output();
  EXPECT_THAT(header(request, "Via"), StartsWith("SIP/2.0/TCP 127.0.0.1:" + std::to_string(tcp_port_) + ";branch=z9hG4bK"));
  EXPECT_EQ(header(request, "Contact"), "<sip:trunk@127.0.0.1:" + std::to_string(tcp_port_) + ";transport=tcp>");
  // The provider's answer comes back on the connection and is relayed to the phone over UDP.
  std::string busy = "SIP/2.0 486 Busy Here\r\n";
  for (const char* name : {"Via", "From", "To", "Call-ID", "CSeq"}) {
    busy += std::string(name) + ": " + header(request, name) + (std::string(name) == "To" ? ";tag=prov" : "") + "\r\n";
  }
  connection->write(busy + "Content-Length: 0\r\n\r\n");
  EXPECT_THAT(final_response(phone), StartsWith("SIP/2.0 486 ")) << serve->output();
  const auto ack = connection->read_message();
  EXPECT_THAT(ack, StartsWith("ACK sip:+15551234567@sip.carrier.example")) << "the ACK for the 486, on the connection";
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("connections accepted 0 opened 1"));
}

// RFC 3261 §8.1.3.1: a refused connection is a transport error, so the caller hears at once
// (timer B would take 32 s, well past this test's bound for the answer).
TEST_F(ServeTransports, ATcpProviderThatRefusesTheConnectionFailsTheCallAtOnce) {
  std::uint16_t closed = 0;
  {
    TcpListener gone;
    closed = gone.port;
  }
  auto serve = start_both({"--config", provider_config(closed, "tcp")});
  UdpPeer phone;
  ASSERT_TRUE(phone.send(udp_port_, invite(phone.port())));
  const auto answer = final_response(phone);
  EXPECT_THAT(answer, StartsWith("SIP/2.0 503 ")) << serve->output();
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("to 127.0.0.1:" + std::to_string(closed)));
  EXPECT_THAT(serve->output(), HasSubstr("-> 503 transport error"));
  EXPECT_THAT(serve->output(), Not(HasSubstr("timer B")));
  EXPECT_THAT(serve->output(), HasSubstr("peers reported unreachable 1"));
}

TEST_F(ServeTransports, ATcpProviderWithoutATcpSocketIsRefusedAtStart) {
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--config", provider_config(5070, "tcp"), "--listen", "udp:127.0.0.1:0",
                      "--db", ":memory:"});
  EXPECT_EQ(serve.wait(kBound), 2);
  EXPECT_THAT(serve.output(), HasSubstr("provider \"carrier\" is configured \"transport\": \"tcp\", but serve has no "
                                        "TCP socket (add --listen tcp:IP:PORT)"));
}

TEST_F(ServeTransports, TwoSocketsOfOneTransportAreRefused) {
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--listen", "tcp:127.0.0.1:0", "--listen", "tcp:127.0.0.1:0", "--db",
                      ":memory:"});
  EXPECT_EQ(serve.wait(kBound), 2);
  EXPECT_THAT(serve.output(), HasSubstr("--listen tcp:127.0.0.1:0 and tcp:127.0.0.1:0: at most one udp:, one tcp: and one tls: socket"));
}

// A TCP port someone else holds: the error names the socket and the system's reason.
TEST_F(ServeTransports, AnOccupiedTcpPortIsAClearError) {
  TcpListener holder;
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--listen", "udp:127.0.0.1:0", "--listen",
                      "tcp:127.0.0.1:" + std::to_string(holder.port), "--db", ":memory:"});
  EXPECT_EQ(serve.wait(kBound), 2);
  EXPECT_THAT(serve.output(),
              HasSubstr("tcp:127.0.0.1:" + std::to_string(holder.port) + ": bind: Address already in use"));
}

}  // namespace
}  // namespace trunklab::testing
