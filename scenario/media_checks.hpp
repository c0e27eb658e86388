// The media of a run as the receiving parties heard it (one MediaFigures per stream), and the
// scenario's media expectations ($.expect.media) judged against them. A failure says which
// direction, what was heard, what the sender sent and where the network dropped it.
#pragma once

#include "scenario/run_state.hpp"

#include <string>
#include <vector>

namespace trunklab::scenario::detail {

// Every stream every party heard: receivers by name, their calls in order, streams in order
// of their first packet; `delivered` counted from the capture's records.
std::vector<MediaFigures> media_figures(const Scenario& scenario, const RunState& state,
                                        const wiretap::Capture& capture);
// Every stream every party sent (at least one packet): senders by name, their calls in order.
std::vector<MediaSent> media_sent(const Scenario& scenario, const RunState& state);

// What is wrong, one text per failure.
std::vector<std::string> check_media(const Scenario& scenario, const RunState& state,
                                     const std::vector<MediaFigures>& figures, const std::vector<WireLine>& lines,
                                     const wiretap::Capture& capture);

}  // namespace trunklab::scenario::detail
