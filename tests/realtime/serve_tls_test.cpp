// `trunklab serve --listen tls:...` as a phone uses it (RFC 3261 §26, RFC 5630), with
// certificates this test makes with the openssl CLI, all on 127.0.0.1: a REGISTER over TLS 1.2
// and over TLS 1.3 gets its 401 and 200 on its own connection with Via SIP/2.0/TLS (a sips:
// Request-URI accepted); with --ca a client certificate from that CA is accepted and
// `openssl s_client` with an untrusted one is refused, the reason in serve's log; UDP, TCP and
// TLS at once behind one registrar; a call from a phone on TLS gets its answers on its
// connection and a sips: Contact; --pcap with --tls-keylog (and SSLKEYLOGFILE) is decrypted by
// tshark into the SIP messages; bad certificate files are refused at start, naming the file.
#include "reference/auth/digest.hpp"
#include "tests/realtime/child_process.hpp"
#include "tests/realtime/tls_client.hpp"
#include "tests/realtime/udp_peer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
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

std::string register_request(const std::string& transport, const std::string& scheme, std::uint16_t port, int cseq,
                             const std::string& authorization = "") {
  const std::string contact_scheme = transport == "TLS" ? "sips" : "sip";
  return "REGISTER " + scheme + ":" + kDomain + " SIP/2.0\r\n"
         "Via: SIP/2.0/" + transport + " 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bKtls" +
         transport + std::to_string(cseq) + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <" + scheme + ":office1@" + kDomain + ">;tag=t1\r\n"
         "To: <" + scheme + ":office1@" + kDomain + ">\r\n"
         "Call-ID: tls-" + transport + "-" + std::to_string(port) + "@127.0.0.1\r\n"
         "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
         "Contact: <" + contact_scheme + ":office1@127.0.0.1:" + std::to_string(port) + ">\r\n" +
         (authorization.empty() ? "" : "Authorization: " + authorization + "\r\n") +
         "Expires: 60\r\n"
         "Content-Length: 0\r\n\r\n";
}

std::string header(const std::string& message, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(message, m, std::regex("\r\n" + name + ": *([^\r]*)\r\n", std::regex::icase))) return "";
  return m[1].str();
}

// The Authorization for office1 answering the 401's MD5 challenge (RFC 2617 §3.2.2, qop=auth).
std::string authorization_for(const std::string& challenge, const std::string& uri) {
  std::smatch realm;
  std::smatch nonce;
  EXPECT_TRUE(std::regex_search(challenge, realm, std::regex(R"re(realm="([^"]+)")re"))) << challenge;
  EXPECT_TRUE(std::regex_search(challenge, nonce, std::regex(R"re(nonce="([^"]+)")re"))) << challenge;
  const auto md5 = [](const std::string& s) { return auth::hash_hex(auth::Algorithm::md5, s); };
  const std::string ha1 = md5("office1:" + realm[1].str() + ":office1-secret");
  const std::string ha2 = md5("REGISTER:" + uri);
  const std::string response = md5(ha1 + ":" + nonce[1].str() + ":00000001:c0ffee:auth:" + ha2);
  return "Digest username=\"office1\", realm=\"" + realm[1].str() + "\", nonce=\"" + nonce[1].str() + "\", uri=\"" +
         uri + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c0ffee\"";
}

// tshark run as root says so on stderr first.
std::string without_root_warning(std::string text) {
  if (text.starts_with("Running as user")) text.erase(0, text.find('\n') + 1);
  return text;
}

class ServeTls : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("trunklab-serve-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const auto openssl = find_on_path("openssl");
    ASSERT_TRUE(openssl) << "the openssl CLI is not installed (tools/setup.sh installs it)";
    openssl_ = *openssl;
    make_certificates();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void run_openssl(std::vector<std::string> args) const {
    args.insert(args.begin(), openssl_);
    ChildProcess run(args);
    ASSERT_EQ(run.wait(kBound), 0) << run.output();
  }
  // A self-signed certificate NAME.pem with its key NAME.key (P-256: quick to make).
  void self_signed(const std::string& name) const {
    run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                 "-subj", "/CN=" + name, "-keyout", path(name + ".key"), "-out", path(name + ".pem")});
  }
  // NAME.pem issued by the test's CA, with `extensions` (an openssl extfile line).
  void issued(const std::string& name, const std::string& extensions) const {
    run_openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                 "/CN=" + name, "-keyout", path(name + ".key"), "-out", path(name + ".csr")});
    std::ofstream(path(name + ".ext")) << extensions << "\n";
    run_openssl({"x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                 "-CAcreateserial", "-days", "2", "-extfile", path(name + ".ext"), "-out", path(name + ".pem")});
  }
  void make_certificates() const {
    self_signed("ca");
    issued("server", "subjectAltName=IP:127.0.0.1");
    issued("phone", "extendedKeyUsage=clientAuth");
    self_signed("rogue");  // a client certificate no CA of serve's vouches for
  }

  // serve on `listen` (each with port 0) and the TLS files, plus `extra`; sets the ports.
  std::unique_ptr<ChildProcess> start(const std::vector<std::string>& listen, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{TRUNKLAB_BINARY, "serve", "--db", ":memory:"};
    for (const auto& socket : listen) {
      argv.push_back("--listen");
      argv.push_back(socket);
    }
    argv.insert(argv.end(), {"--cert", path("server.pem"), "--key", path("server.key")});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto serve = std::make_unique<ChildProcess>(argv);
    EXPECT_TRUE(serve->wait_for_output(" expired removed\n", kBound)) << serve->output();
    const std::string out = serve->output();
    for (const char* kind : {"udp", "tcp", "tls"}) {
      std::smatch m;
      if (std::regex_search(out, m, std::regex(std::string("listening on [^(]*") + kind + R"(:127\.0\.0\.1:(\d+))"))) {
        ports_[kind] = static_cast<std::uint16_t>(std::stoi(m[1].str()));
      }
    }
    return serve;
  }

  TlsClientOptions client(int version = 0) const { return {path("ca.pem"), "", "", version}; }

  // REGISTER over `phone`'s connection: the 401, then with digest the 200, both on the
  // connection, the Via as sent with received and rport added. The 200.
  std::string register_with_digest(TlsClient& phone, const std::string& scheme, const ChildProcess& serve) {
    const auto port = phone.local_port();
    EXPECT_TRUE(phone.write(register_request("TLS", scheme, port, 1)));
    const auto challenge = phone.read_message();
    EXPECT_THAT(challenge, StartsWith("SIP/2.0 401 ")) << phone.error() << "\n" << serve.output();
    EXPECT_EQ(header(challenge, "Via"), "SIP/2.0/TLS 127.0.0.1:" + std::to_string(port) +
                                            ";branch=z9hG4bKtlsTLS1;received=127.0.0.1;rport=" + std::to_string(port));
    const std::string uri = scheme + ":" + kDomain;
    EXPECT_TRUE(phone.write(register_request("TLS", scheme, port, 2, authorization_for(header(challenge, "WWW-Authenticate"), uri))));
    const auto accepted = phone.read_message();
    EXPECT_THAT(accepted, StartsWith("SIP/2.0 200 ")) << phone.error() << "\n" << serve.output();
    EXPECT_THAT(header(accepted, "Via"), StartsWith("SIP/2.0/TLS 127.0.0.1:" + std::to_string(port) + ";branch=z9hG4bKtlsTLS2"));
    return accepted;
  }

  std::filesystem::path dir_;
  std::string openssl_;
  std::map<std::string, std::uint16_t> ports_;
};

TEST_F(ServeTls, ARegisterOverTls12AndOverTls13GetsItsChallengeAndItsOkOnItsConnection) {
  auto serve = start({"tls:127.0.0.1:0"});
  ASSERT_NE(ports_["tls"], 0) << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("tls:127.0.0.1:" + std::to_string(ports_["tls"]) +
                                         ": TLS 1.2 and 1.3, certificate " + path("server.pem") +
                                         ", client certificates not requested"));
  {
    TlsClient phone(ports_["tls"], client(TLS1_2_VERSION));
    ASSERT_TRUE(phone.connected()) << phone.error() << "\n" << serve->output();
    EXPECT_EQ(phone.version(), "TLSv1.2");
    const auto ok = register_with_digest(phone, "sip", *serve);
    EXPECT_THAT(header(ok, "Contact"), HasSubstr("<sips:office1@127.0.0.1:" + std::to_string(phone.local_port()) + ">"));
  }
  {
    TlsClient phone(ports_["tls"], client(TLS1_3_VERSION));
    ASSERT_TRUE(phone.connected()) << phone.error() << "\n" << serve->output();
    EXPECT_EQ(phone.version(), "TLSv1.3");
    register_with_digest(phone, "sips", *serve);  // RFC 5630: a sips: Request-URI over TLS
  }
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  const auto out = serve->output();
  EXPECT_THAT(out, HasSubstr("REGISTER 4 (401 2, 200 2, 403 0)"));
  EXPECT_THAT(out, HasSubstr("messages in 4 out 4 (send errors 0"));
  EXPECT_THAT(out, HasSubstr("handshakes 2 (failed 0, timed out 0)"));
}

// Mutual TLS: with --ca the phone's certificate must come from that CA.
TEST_F(ServeTls, WithACaAClientCertificateIsRequiredAndAnUntrustedOneIsRefusedWithTheReasonLogged) {
  auto serve = start({"tls:127.0.0.1:0"}, {"--ca", path("ca.pem")});
  ASSERT_NE(ports_["tls"], 0) << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("client certificates required, verified against " + path("ca.pem")));
  {
    auto options = client();
    options.certificate = path("phone.pem");
    options.key = path("phone.key");
    TlsClient phone(ports_["tls"], options);
    ASSERT_TRUE(phone.connected()) << phone.error() << "\n" << serve->output();
    register_with_digest(phone, "sip", *serve);
  }
  const auto port = std::to_string(ports_["tls"]);
  // s_client's stdin at its end at once: it handshakes, then closes.
  ChildProcess rogue({"/bin/sh", "-c",
                      openssl_ + " s_client -connect 127.0.0.1:" + port + " -CAfile " + path("ca.pem") + " -cert " +
                          path("rogue.pem") + " -key " + path("rogue.key") + " < /dev/null"});
  rogue.wait(kBound);
  EXPECT_TRUE(serve->wait_for_output("certificate verify failed", kBound)) << serve->output();
  ChildProcess anonymous({"/bin/sh", "-c",
                          openssl_ + " s_client -connect 127.0.0.1:" + port + " -CAfile " + path("ca.pem") +
                              " -tls1_2 < /dev/null"});
  anonymous.wait(kBound);
  EXPECT_TRUE(serve->wait_for_output("did not return a certificate", kBound)) << serve->output();
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  const auto out = serve->output();
  EXPECT_THAT(out, ::testing::ContainsRegex(R"(tls: 127\.0\.0\.1:[0-9]+: handshake failed: certificate verify failed: self-signed certificate)"));
  EXPECT_THAT(out, ::testing::ContainsRegex(R"(tls: 127\.0\.0\.1:[0-9]+: handshake failed: peer did not return a certificate)"));
  EXPECT_THAT(out, HasSubstr("handshakes 1 (failed 2, timed out 0)"));
  EXPECT_THAT(out, HasSubstr("REGISTER 2 (401 1, 200 1, 403 0)"));  // the refused ones reached no registrar
}

TEST_F(ServeTls, UdpTcpAndTlsAtOnceServeOneRegistrar) {
  const auto keylog = path("env.keys");
  ::setenv("SSLKEYLOGFILE", keylog.c_str(), 1);  // honoured when --tls-keylog is not given
  auto serve = start({"udp:127.0.0.1:0", "tcp:127.0.0.1:0", "tls:127.0.0.1:0"});
  ::unsetenv("SSLKEYLOGFILE");
  EXPECT_THAT(serve->output(), ::testing::ContainsRegex(R"(listening on udp:127\.0\.0\.1:[0-9]+, tcp:127\.0\.0\.1:[0-9]+ and tls:127\.0\.0\.1:[0-9]+ )"));
  ASSERT_NE(ports_["udp"], 0);
  ASSERT_NE(ports_["tcp"], 0);
  ASSERT_NE(ports_["tls"], 0);

  UdpPeer udp_phone;
  ASSERT_TRUE(udp_phone.send(ports_["udp"], register_request("UDP", "sip", udp_phone.port(), 1)));
  const auto udp_answer = udp_phone.receive(5s);
  ASSERT_TRUE(udp_answer) << serve->output();
  EXPECT_THAT(*udp_answer, StartsWith("SIP/2.0 401 "));

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval bound{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(ports_["tcp"]);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to), 0);
  const std::string tcp_register = register_request("TCP", "sip", 5999, 1);
  ASSERT_EQ(::send(fd, tcp_register.data(), tcp_register.size(), MSG_NOSIGNAL), static_cast<ssize_t>(tcp_register.size()));
  char answer[4096];
  const auto n = ::recv(fd, answer, sizeof answer, 0);
  ::close(fd);
  ASSERT_GT(n, 0) << serve->output();
  EXPECT_THAT(std::string(answer, static_cast<std::size_t>(n)), StartsWith("SIP/2.0 401 "));

  TlsClient tls_phone(ports_["tls"], client());
  ASSERT_TRUE(tls_phone.connected()) << tls_phone.error() << "\n" << serve->output();
  register_with_digest(tls_phone, "sip", *serve);

  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  const auto out = serve->output();
  EXPECT_THAT(out, HasSubstr("REGISTER 4 (401 3, 200 1, 403 0)"));
  EXPECT_THAT(out, HasSubstr("; udp:127.0.0.1:" + std::to_string(ports_["udp"]) + " datagrams in 1 out 1"));
  EXPECT_THAT(out, HasSubstr("; tcp:127.0.0.1:" + std::to_string(ports_["tcp"]) + " messages in 1 out 1"));
  EXPECT_THAT(out, HasSubstr("; tls:127.0.0.1:" + std::to_string(ports_["tls"]) + " messages in 2 out 2"));
  EXPECT_THAT(out, HasSubstr("key log " + keylog + ": "));
  std::ifstream keys(keylog);
  const std::string logged((std::istreambuf_iterator<char>(keys)), std::istreambuf_iterator<char>());
  EXPECT_THAT(logged, HasSubstr("CLIENT_TRAFFIC_SECRET_0 "));  // TLS 1.3's, in the NSS format
}

// The capture holds the TCP bytes on the wire (TLS records); with the key log tshark decrypts
// them into the SIP messages, without it it sees none.
TEST_F(ServeTls, ThePcapWithTheKeyLogIsDecryptedByTshark) {
  const auto pcap = path("tls.pcap");
  const auto keylog = path("tls.keys");
  auto serve = start({"tls:127.0.0.1:0"}, {"--pcap", pcap, "--tls-keylog", keylog});
  ASSERT_NE(ports_["tls"], 0) << serve->output();
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    TlsClient phone(ports_["tls"], client(version));
    ASSERT_TRUE(phone.connected()) << phone.error() << "\n" << serve->output();
    register_with_digest(phone, "sip", *serve);
  }
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
  EXPECT_THAT(serve->output(), ::testing::ContainsRegex("key log " + keylog + R"(: [1-9][0-9]* lines \(0 dropped\))"));
  // The keys decrypt every session: the file is its owner's alone, whatever the umask.
  EXPECT_EQ(std::filesystem::status(keylog).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  const auto tshark = find_on_path("tshark");
  ASSERT_TRUE(tshark) << "tshark is not installed (tools/setup.sh --tests installs it)";
  const std::string port = std::to_string(ports_["tls"]);
  auto decode = [&](const std::string& keys) {
    std::vector<std::string> argv{*tshark, "-r", pcap, "-o", "tls.keylog_file:" + keys, "-o", "sip.tls.port:" + port,
                                  "-Y", "sip && !_ws.malformed", "-T", "fields", "-e", "frame.protocols", "-e",
                                  "sip.Method", "-e", "sip.Status-Code"};
    ChildProcess run(argv);
    EXPECT_EQ(run.wait(60s), 0) << run.output();
    return without_root_warning(run.output());
  };
  const std::string one = "eth:ethertype:ip:tcp:tls:sip\tREGISTER\t\n"
                          "eth:ethertype:ip:tcp:tls:sip\t\t401\n"
                          "eth:ethertype:ip:tcp:tls:sip\tREGISTER\t\n"
                          "eth:ethertype:ip:tcp:tls:sip\t\t200\n";
  EXPECT_EQ(decode(keylog), one + one);
  EXPECT_EQ(decode(path("no-such.keys")), "");  // encrypted: no SIP without the keys
}

// A phone on TLS calls through the trunk `local` (trusts 127.0.0.1) to the provider, over UDP:
// the answers reach the phone on its TLS connection, and the trunk's Contact toward it is a
// sips: URI (RFC 5630: no transport=tls).
TEST_F(ServeTls, ACallFromAPhoneOnTlsGetsItsAnswersOnItsConnectionWithASipsContact) {
  UdpPeer provider;
  ChildProcess print({TRUNKLAB_BINARY, "serve", "--print-config"});
  ASSERT_EQ(print.wait(kBound), 0);
  std::string config = print.output();
  const std::string from = "\"address\": \"127.0.0.1:5070\"";
  ASSERT_NE(config.find(from), std::string::npos) << config;
  config.replace(config.find(from), from.size(), "\"address\": \"127.0.0.1:" + std::to_string(provider.port()) + "\"");
  std::ofstream(path("config.json")) << config;
  auto serve = start({"udp:127.0.0.1:0", "tls:127.0.0.1:0"}, {"--config", path("config.json")});
  ASSERT_NE(ports_["tls"], 0) << serve->output();
  TlsClient phone(ports_["tls"], client());
  ASSERT_TRUE(phone.connected()) << phone.error();
  const std::string port = std::to_string(phone.local_port());
  const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  ASSERT_TRUE(phone.write("INVITE sip:+15551234567@127.0.0.1 SIP/2.0\r\n"
                          "Via: SIP/2.0/TLS 127.0.0.1:" + port + ";branch=z9hG4bKtlscall;rport\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:phone@127.0.0.1>;tag=c1\r\n"
                          "To: <sip:+15551234567@127.0.0.1>\r\n"
                          "Call-ID: tls-call@127.0.0.1\r\n"
                          "CSeq: 1 INVITE\r\n"
                          "Contact: <sips:phone@127.0.0.1:" + port + ">\r\n"
                          "Content-Type: application/sdp\r\n"
                          "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp));
  std::optional<std::string> invite;
  for (int i = 0; i < 5 && !(invite && invite->starts_with("INVITE ")); ++i) invite = provider.receive(5s);
  ASSERT_TRUE(invite && invite->starts_with("INVITE ")) << serve->output();
  EXPECT_THAT(header(*invite, "Via"), StartsWith("SIP/2.0/UDP 127.0.0.1:" + std::to_string(ports_["udp"])));
  auto answer = [&](const std::string& status) {
    std::string reply = "SIP/2.0 " + status + "\r\n";
    for (const char* name : {"Via", "From", "To", "Call-ID", "CSeq"}) {
      reply += std::string(name) + ": " + header(*invite, name) + (std::string(name) == "To" ? ";tag=prov" : "") + "\r\n";
    }
    reply += "Contact: <sip:carrier@127.0.0.1:" + std::to_string(provider.port()) + ">\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(provider.send(ports_["udp"], reply));
  };
  answer("180 Ringing");
  std::string ringing;
  for (int i = 0; i < 3 && !ringing.starts_with("SIP/2.0 180 "); ++i) ringing = phone.read_message();
  ASSERT_THAT(ringing, StartsWith("SIP/2.0 180 ")) << phone.error() << "\n" << serve->output();
  EXPECT_EQ(header(ringing, "Contact"), "<sips:trunk@127.0.0.1:" + std::to_string(ports_["tls"]) + ">");
  EXPECT_THAT(header(ringing, "Via"), StartsWith("SIP/2.0/TLS 127.0.0.1:" + port + ";branch=z9hG4bKtlscall"));
  answer("486 Busy Here");
  EXPECT_THAT(phone.read_message(), StartsWith("SIP/2.0 486 ")) << serve->output();
  serve->signal(SIGTERM);
  ASSERT_EQ(serve->wait(kBound), 0) << serve->output();
}

TEST_F(ServeTls, BadCertificateFilesAreRefusedAtStartNamingTheFile) {
  std::ofstream(path("garbage.pem")) << "not a certificate\n";
  auto refused = [&](std::vector<std::string> files) {
    std::vector<std::string> argv{TRUNKLAB_BINARY, "serve", "--db", ":memory:", "--listen", "tls:127.0.0.1:0"};
    argv.insert(argv.end(), files.begin(), files.end());
    ChildProcess serve(argv);
    EXPECT_EQ(serve.wait(kBound), 2) << serve.output();
    return serve.output();
  };
  EXPECT_THAT(refused({"--cert", path("missing.pem"), "--key", path("server.key")}),
              HasSubstr("--cert " + path("missing.pem") + ": No such file or directory"));
  EXPECT_THAT(refused({"--cert", path("garbage.pem"), "--key", path("server.key")}),
              HasSubstr("--cert " + path("garbage.pem") + ": not a PEM certificate"));
  EXPECT_THAT(refused({"--cert", path("server.pem"), "--key", path("rogue.key")}),
              HasSubstr("--key " + path("rogue.key") + ": does not match the certificate in " + path("server.pem")));
  EXPECT_THAT(refused({"--cert", path("server.pem"), "--key", path("server.key"), "--ca", path("garbage.pem")}),
              HasSubstr("--ca " + path("garbage.pem") + ": no CA certificate could be read"));
  EXPECT_THAT(refused({"--cert", path("server.pem")}), HasSubstr("--listen tls:127.0.0.1:0 needs --cert FILE and --key FILE"));
  ChildProcess no_tls({TRUNKLAB_BINARY, "serve", "--db", ":memory:", "--listen", "udp:127.0.0.1:0", "--cert", path("server.pem")});
  EXPECT_EQ(no_tls.wait(kBound), 2);
  EXPECT_THAT(no_tls.output(), HasSubstr("--cert, --key, --ca and --tls-keylog need a --listen tls:IP:PORT socket"));
}

}  // namespace
}  // namespace trunklab::testing
