// dialog::build_request, the one builder of the requests a UA core starts (REGISTER, OPTIONS)
// and of in-dialog requests (Dialog::request).
#include "reference/dialog/dialog.hpp"
#include "reference/dialog/request.hpp"

#include <gtest/gtest.h>

namespace trunklab::dialog {
namespace {

TEST(BuildRequest, WritesTheMandatoryHeadersInOrderWithTheFromTag) {
  auto r = build_request({.method = "OPTIONS",
                          .request_uri = "sip:provider.example",
                          .from = "<sip:trunk@10.0.0.1:5060>",
                          .from_tag = "t1",
                          .to = "<sip:provider.example>",
                          .call_id = "c1"});
  EXPECT_EQ(r.to_string(),
            "OPTIONS sip:provider.example SIP/2.0\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:trunk@10.0.0.1:5060>;tag=t1\r\n"
            "To: <sip:provider.example>\r\n"
            "Call-ID: c1\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(BuildRequest, RoutesComeBeforeTheContact) {
  auto r = build_request({.method = "REGISTER",
                          .request_uri = "sip:example.com",
                          .from = "<sip:alice@example.com>",
                          .from_tag = "t",
                          .to = "<sip:alice@example.com>",
                          .call_id = "c",
                          .cseq = 7,
                          .route_set = {"<sip:edge;lr>"},
                          .contact = "*"});
  const auto text = r.to_string();
  EXPECT_NE(text.find("CSeq: 7 REGISTER\r\nRoute: <sip:edge;lr>\r\nContact: *\r\n"), std::string::npos) << text;
}

TEST(BuildRequest, DialogAckAndCancelCarryNoContact) {
  Dialog d;
  d.call_id = "c";
  d.local_uri = "<sip:a@x>";
  d.local_tag = "la";
  d.remote_uri = "<sip:b@y>";
  d.remote_tag = "rb";
  d.remote_target = "sip:b@10.0.0.2";
  d.contact = "<sip:a@10.0.0.1>";
  EXPECT_TRUE(d.request("BYE").header("Contact"));
  EXPECT_FALSE(d.request("ACK", 1).header("Contact"));
  EXPECT_EQ(d.request("BYE").header("To").value_or(""), "<sip:b@y>;tag=rb");
}

}  // namespace
}  // namespace trunklab::dialog
