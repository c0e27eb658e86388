// The capture is the wiretap every stage reports to: an event becomes a record with its names,
// view and transport, and a drop reported later marks that record; a disabled capture keeps
// nothing and says so, so the simulated network can skip building events.
#include "wiretap/capture.hpp"

#include <gtest/gtest.h>

namespace trunklab::wiretap {
namespace {

WireEvent event(std::string_view bytes) {
  WireEvent e;
  e.src = *rt::Address::parse("10.0.0.2:5060");
  e.dst = *rt::Address::parse("10.0.0.1:5060");
  e.bytes = bytes;
  e.time = rt::Instant{std::chrono::milliseconds(250)};
  e.src_host = "alice";
  e.dst_host = "trunk";
  return e;
}

TEST(CaptureObserver, EventsBecomeRecordsAndDropsMarkThem) {
  Capture capture;
  Observer& wiretap = capture;
  auto e = event("OPTIONS sip:x SIP/2.0\r\n\r\n");
  e.transport = rt::TransportKind::tcp;
  const WireId first = wiretap.on_wire(e);
  auto translated = event("REGISTER sip:x SIP/2.0\r\n\r\n");
  translated.view = CaptureView::nat_translated;
  translated.duplicate = true;
  const WireId second = wiretap.on_wire(translated);
  wiretap.on_dropped(second, "fault rule 'loss'");
  ASSERT_EQ(capture.records().size(), 2u);
  const auto& a = capture.records()[first];
  EXPECT_EQ(a.src_host, "alice");
  EXPECT_EQ(a.dst_host, "trunk");
  EXPECT_EQ(a.transport, rt::TransportKind::tcp);
  EXPECT_EQ(a.time, rt::Instant{std::chrono::milliseconds(250)});
  EXPECT_FALSE(a.dropped);
  const auto& b = capture.records()[second];
  EXPECT_EQ(b.view, CaptureView::nat_translated);
  EXPECT_TRUE(b.duplicate);
  EXPECT_TRUE(b.dropped);
  EXPECT_EQ(b.drop_reason, "fault rule 'loss'");
}

TEST(CaptureObserver, DisabledCaptureKeepsNothing) {
  Capture capture;
  capture.set_enabled(false);
  Observer& wiretap = capture;
  EXPECT_FALSE(wiretap.observing());
  EXPECT_EQ(wiretap.on_wire(event("x")), kNoWire);
  EXPECT_TRUE(capture.records().empty());
}

}  // namespace
}  // namespace trunklab::wiretap
