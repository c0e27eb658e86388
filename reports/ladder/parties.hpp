// Who is who in a capture: the addresses that belong to one party, found before any column
// is drawn, so that a party with several addresses is one column.
//
// - NAT: the same bytes seen on both sides of a NAT within a short time (one address the same,
//   the other translated) are one message: the later copy is hidden, and the two addresses it
//   differs by are one party (a capture of both sides, as `trunklab run --out` writes).
// - NAT seen from one side: a request whose top Via sent-by (RFC 3261 §18.2.1) is a private
//   address and its source a public one, or a response sent so: the sent-by is the party's
//   inside address (listed, not a column of its own), the wire address its public one.
// - A NAT rebinding: the same inside address later seen from another public address (on the
//   same public IP when only a Via says so): one party, and a note where it happens.
// - A party answering from another port: a response from an address other than the one its
//   request (same Call-ID, CSeq, branch) was sent to, back to the request's source.
// - Names: addresses with the same name (LadderOptions::names, the simulator's party names).
#pragma once

#include "reports/ladder/ladder.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::reports {

// What the planning reads of one datagram (SIP, or media: NAT copies of RTP are hidden too).
struct WireFacts {
  const Datagram* datagram = nullptr;
  bool is_request = false;
  std::string call_id;
  std::string cseq;
  std::string branch;
  std::optional<rt::Address> sent_by;  // top Via sent-by, when an IP address
};

struct Rebinding {
  std::size_t before = 0;  // index into the WireFacts: the first message from the new address
  rt::Address inside;
  rt::Address from;
  rt::Address to;
};

class PartyPlan {
public:
  PartyPlan(const std::vector<WireFacts>& messages, const NameMap& names);

  bool nat_copy(std::size_t message) const { return nat_copy_[message]; }
  const std::vector<Rebinding>& rebindings() const { return rebindings_; }
  // The column name of an address: its group's name from the map, else the name a datagram
  // carried for it, else its first address; nullopt for an address no SIP message used.
  std::optional<std::string> name_of(const rt::Address& address) const;
  // Inside addresses (behind a NAT) of the group of `address`.
  std::vector<rt::Address> inside_of(const rt::Address& address) const;
  std::vector<rt::Address> addresses_of(const rt::Address& address) const;

private:
  rt::Address find(const rt::Address& a) const;
  void join(const rt::Address& a, const rt::Address& b);
  struct Observation {
    std::size_t message;
    rt::Address inside;
    rt::Address outside;
    bool wire_copy;  // from a copy of the same bytes (else from a Via)
  };
  void observe_nat(const Observation& o);
  void find_nat_copies(const std::vector<WireFacts>& messages);
  void join_answering_ports(const std::vector<WireFacts>& messages);
  void name_groups(const std::vector<WireFacts>& messages, const NameMap& names);

  std::vector<Observation> observations_;
  std::vector<bool> nat_copy_;
  std::vector<Rebinding> rebindings_;
  std::map<rt::Address, rt::Address> parent_;
  std::map<rt::Address, rt::Address> public_of_;  // inside -> the public address last seen
  std::map<rt::Address, bool> inside_;             // addresses seen on the inside of a NAT
  std::map<rt::Address, rt::Address> via_inside_;  // public address -> the inside its Via named
  std::map<rt::Address, std::string> group_name_;  // by group root
};

}  // namespace trunklab::reports
