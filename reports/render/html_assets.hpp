// The style sheet and script of the HTML ladder (html.cpp), kept apart from the page assembly.
#pragma once

namespace trunklab::reports::html {

// The page's CSS: a header with the filter, the ladder (scrolls both ways) beside the detail.
extern const char* const kStyle;

// The page's script: reads the messages from <script id="messages"> (JSON), then
//  - click on a row, j/k or the arrow keys select a message (skipping those filtered out),
//  - the URL's #F8 selects F8 and scrolls to it; selecting updates the URL (history, no reload),
//  - "/" focuses the filter: words all match (Call-ID, method, party, call tag or label), or
//    call:, method:, party:, tag: limit a word to one field; Enter or Escape leaves it,
//  - the detail pane shows the message's full text and its SDP (textContent: never markup).
extern const char* const kScript;

}  // namespace trunklab::reports::html
