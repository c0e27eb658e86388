// The reference element: one transaction user on one transport that is both the registrar
// and the trunk, as the product is. It routes each request to the part that owns it:
// REGISTER to the registrar, INVITE/ACK/BYE/CANCEL/re-INVITE to the trunk, OPTIONS answered
// here (keep-alives and provider probes), anything else 405 (or 481 inside an unknown dialog).
// Before that, §8.2.2 header inspection: 416 for a Request-URI scheme other than sip/sips, 420
// for a Require (and, on what goes through the trunk, Proxy-Require) option it lacks.
#pragma once

#include "reference/config/config.hpp"
#include "reference/registrar/registrar.hpp"
#include "reference/registrar/store.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "reference/txn/endpoint.hpp"
#include "reference/trunk/b2bua.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace trunklab::element {

inline constexpr const char* kAllow = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER";

struct Counters {
  std::uint64_t options = 0;
  std::uint64_t keepalives = 0;       // CRLF pings
  std::uint64_t not_allowed = 0;      // 405
  std::uint64_t no_transaction = 0;   // 481
  std::uint64_t nat_pings = 0;        // OPTIONS sent to NATed contacts
  std::uint64_t refused_by_headers = 0;  // 416 unsupported URI scheme, 420 unsupported option
};

// One log line for a transaction outcome, without a timestamp (the caller's clock adds it).
std::string format_outcome(const txn::TxnOutcome& outcome);

class ReferenceServer final : public txn::TransactionUser {
public:
  ReferenceServer(const config::Config& config, rt::Clock& clock, rt::Timers& timers,
                  rt::Transport& transport, rt::Random& random, registrar::BindingStore& store,
                  txn::Config txn_config = {});

  // Datagrams arriving on the transport go here.
  rt::DatagramHandler& datagram_handler() { return endpoint_; }
  // Starts what runs on its own: provider OPTIONS probes, and OPTIONS keep-alives to NATed
  // contacts when the registrar policy sets keepalive_options_interval.
  void start();
  ~ReferenceServer() override;

  // Replaces the configuration (the management API): REGISTERs and calls from now on use it,
  // calls in progress finish with the one they started with, probing follows the new providers.
  void apply_config(config::Config config);
  const config::Config& config() const { return *config_; }

  const registrar::Registrar& registrar() const { return registrar_; }
  registrar::Registrar& registrar() { return registrar_; }
  const trunk::Trunk& trunk() const { return trunk_; }
  // Each sink added gets every call detail record, in the order added (serve: the --cdr file
  // and the metrics; a run: its records and its metrics).
  void add_call_record_sink(std::function<void(const trunk::CallRecord&)> sink) {
    record_sinks_.push_back(std::move(sink));
    trunk_.set_call_record_sink([this](const trunk::CallRecord& r) {
      for (const auto& s : record_sinks_) s(r);
    });
  }
  const Counters& counters() const { return counters_; }
  const txn::Endpoint& endpoint() const { return endpoint_; }

  // The media relay's sockets (config media.ports on the element's address): calls of trunks
  // and providers configured "media": "relay" are anchored on it. Without it, all go direct.
  void set_media_ports(anchor::PortBinder binder);
  const anchor::MediaRelay* media_relay() const { return relay_.get(); }

  // One line per transaction outcome (format_outcome), for `trunklab serve` logs; none by
  // default.
  void set_log(std::function<void(const std::string&)> log);

  // txn::TransactionUser
  void on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) override;
  void on_response(txn::ClientTxnId id, const sip::Message& response) override;
  void on_timeout(txn::ClientTxnId id) override;
  void on_transport_error(txn::ClientTxnId id) override;
  void on_ack(const sip::Message& ack, const rt::Address& source) override;
  void on_stray_response(const sip::Message& response, const rt::Address& source) override;
  void on_keepalive(const rt::Address& source) override;

private:
  void respond(txn::ServerTxnId id, const sip::Message& request, int status, std::string_view reason = {});
  // 416 / 420 (header_inspection.hpp); true when the request was answered so.
  bool refuse_by_headers(txn::ServerTxnId id, const sip::Message& request, bool in_dialog);

  void ping_nated_contacts();

  std::shared_ptr<const config::Config> config_;
  rt::Clock& clock_;
  rt::Timers& timers_;
  rt::Random& random_;
  rt::Address local_;
  rt::TimerId ping_timer_ = rt::kNoTimer;
  txn::Endpoint endpoint_;
  registrar::Registrar registrar_;
  trunk::Trunk trunk_;
  std::unique_ptr<anchor::MediaRelay> relay_;
  Counters counters_;
  std::function<void(const std::string&)> log_;
  std::vector<std::function<void(const trunk::CallRecord&)>> record_sinks_;
};

}  // namespace trunklab::element
