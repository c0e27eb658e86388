// Test helpers: messages are written with "\n" line ends for readability and sent with CRLF.
#pragma once

#include "reference/sip/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

namespace trunklab::sip::test {

// "\n" -> "\r\n" (text already holding "\r\n" is left alone); "{CL}" -> the body's length.
inline std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  const std::size_t blank = out.find("\r\n\r\n");
  const std::size_t placeholder = out.find("{CL}");
  if (placeholder != std::string::npos && blank != std::string::npos) {
    const std::size_t body_size = out.size() - (blank + 4);
    out.replace(placeholder, 4, std::to_string(body_size));
  }
  return out;
}

inline Message parse_ok(std::string_view bytes) {
  auto result = Message::parse(bytes);
  if (const auto* error = std::get_if<ParseError>(&result)) {
    ADD_FAILURE() << "refused: " << error->rule << " (" << error->detail << ")\n" << bytes;
    return std::move(std::get<Message>(Message::parse(crlf(
        "OPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: "
        "<sip:a@b>;tag=1\nTo: <sip:x@example.com>\nCall-ID: c\nCSeq: 1 OPTIONS\n\n"))));
  }
  return std::move(std::get<Message>(result));
}

inline ParseError parse_error(std::string_view bytes) {
  auto result = Message::parse(bytes);
  if (std::holds_alternative<Message>(result)) {
    ADD_FAILURE() << "accepted a message that must be refused:\n" << bytes;
    return {};
  }
  return std::get<ParseError>(result);
}

}  // namespace trunklab::sip::test
