#include "reference/realtime/tls_transport.hpp"

#include "reference/tls/session.hpp"

namespace trunklab::realtime {
namespace {

class TlsLayer final : public StreamLayer {
public:
  explicit TlsLayer(const tls::Context& context) : session_(context) {}
  Result receive(std::string_view bytes, std::string& plain, std::string& wire) override {
    switch (session_.receive(bytes, plain, wire)) {
      case tls::Session::Result::ok: return Result::ok;
      case tls::Session::Result::failed: return Result::failed;
      case tls::Session::Result::closed: return Result::closed;
    }
    return Result::failed;
  }
  bool send(std::string_view message, std::string& wire) override { return session_.send(message, wire); }
  bool established() const override { return session_.established(); }
  std::string description() const override { return session_.description(); }
  std::string error() const override { return session_.error(); }

private:
  tls::Session session_;
};

}  // namespace

std::unique_ptr<StreamLayer> TlsSecurity::accept_layer() { return std::make_unique<TlsLayer>(context_); }

std::variant<std::unique_ptr<TlsTransport>, std::string> TlsTransport::open(EventLoop& loop, const rt::Address& address,
                                                                           const tls::ServerFiles& files,
                                                                           TcpOptions options) {
  auto made = tls::Context::server(files);
  if (auto* message = std::get_if<std::string>(&made)) return *message;
  auto tls = std::make_unique<TlsTransport>();
  tls->context = std::move(std::get<std::unique_ptr<tls::Context>>(made));
  tls->security = std::make_unique<TlsSecurity>(*tls->context);
  auto opened = TcpTransport::open(loop, address, options, tls->security.get());
  if (auto* message = std::get_if<std::string>(&opened)) return *message;
  tls->transport = std::move(std::get<std::unique_ptr<TcpTransport>>(opened));
  return tls;
}

}  // namespace trunklab::realtime
