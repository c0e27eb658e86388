// Where everything of an SVG ladder goes, computed before anything is drawn: the canvas is as
// wide as its parties and longest labels need and as tall as its rows, with no fixed size.
//
//   title, summary          (canvas top)
//   legend                  (arrow styles present, then one entry per call group)
//   party headers           (name, wrapped on two lines when long; its addresses)
//   rows                    (one per message, note or call section)
//
// Column spacing comes from the estimated label widths (svg_text.hpp): neighbouring headers
// never touch, a label fits between the lifelines of its arrow, and a long label wraps on two
// lines instead of being cut.
#pragma once

#include "reports/render/render.hpp"
#include "reports/render/svg_text.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace trunklab::reports::svg {

// How a message is drawn; the legend explains each.
enum class Kind { request, response, repeat, dropped, media, note };
Kind kind_of(const LadderMessage& m);

// The texts the SVG and the HTML page print for a message and a call.
std::string number_of(std::size_t message);                     // "F8"
std::string label_of(const LadderMessage& m);                   // the ladder's display label
std::string tag_of(const Ladder& ladder, std::size_t call);     // "A", "" without a Call-ID
std::size_t group_of(const Ladder& ladder, std::size_t call);   // the B2BUA call it belongs to
std::string mark_of(const LadderMessage& m);                    // "retransmission", "dropped: ..."
const char* group_colour(const Ladder& ladder, std::size_t call);

// Sizes in px (SVG user units).
inline constexpr double kMargin = 12;
inline constexpr double kTitlePx = 16;
inline constexpr double kTextPx = 12;  // labels, legend, section titles
inline constexpr double kSmallPx = 11;  // gutter and addresses (monospace)
inline constexpr double kPartyPx = 13;
inline constexpr double kLineStep = 15;  // between the two lines of a wrapped label
inline constexpr double kWrapPx = 260;  // a label wider than this wraps

struct Placed {
  std::string text;
  double x = 0;
  double y = 0;  // baseline
};

struct Header {
  std::vector<std::string> name;       // one or two lines
  std::vector<std::string> addresses;  // shown under the name
  double width = 0;
};

struct LegendEntry {
  enum class Type { kind, call } type = Type::kind;
  Kind kind = Kind::request;
  std::size_t call = 0;  // Type::call: the first call of the group
  std::string text;
  double x = 0;
  double y = 0;  // the middle of the sample line
};

struct Row {
  enum class Type { message, section } type = Type::message;
  std::size_t index = 0;  // message index, or the call of a section
  std::vector<std::string> lines;  // the label (message) or the section title
  double top = 0;
  double height = 0;
  double arrow_y = 0;
  double label_x = 0;  // where the label lines are anchored
  bool label_start = false;  // anchored at their start (self-message, note) instead of centred
  double note_width = 0;  // note box width
  std::string gutter;  // "F8 A +1.234s"
  std::string mark;
};

struct Layout {
  double width = 0;
  double height = 0;
  Placed title;
  Placed summary;
  std::vector<LegendEntry> legend;
  double header_top = 0;
  double lifeline_top = 0;
  std::vector<Header> headers;
  std::vector<double> lifeline_x;
  double gutter_x = kMargin;
  double mark_x = 0;
  std::vector<Row> rows;
};

// `with_title`: the HTML page prints its own title and leaves it out of the drawing.
Layout lay_out(const Ladder& ladder, const RenderOptions& options, bool with_title);

// The SVG document of the ladder (svg.cpp); render_svg is document(ladder, options, true).
std::string document(const Ladder& ladder, const RenderOptions& options, bool with_title);

// The one-line summary: "21 messages, 4 parties, 3 calls".
std::string summary_of(const Ladder& ladder);

}  // namespace trunklab::reports::svg
