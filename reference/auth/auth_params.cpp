#include "reference/auth/auth_params.hpp"

#include <algorithm>

namespace trunklab::auth::detail {
namespace {

// Linear white space as it may survive header unfolding (RFC 3261 §7.3.1).
bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 3261 §25.1 token characters.
bool is_token_char(char c) {
  if (is_alnum(c)) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
      return true;
    default:
      return false;
  }
}


// A cursor over the header value; every method leaves `pos` after what it consumed.
class Lexer {
public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void skip_lws() {
    while (pos_ < text_.size() && is_lws(text_[pos_])) ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void advance() { ++pos_; }
  std::size_t pos() const { return pos_; }

  std::string_view token() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_token_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // A bare value: lenient beyond `token` (some peers send unquoted base64 nonces), it runs to
  // the next white space or comma.
  std::string_view bare_value() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && !is_lws(text_[pos_]) && text_[pos_] != ',' && text_[pos_] != '"')
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // After the opening quote: reads to the closing quote, resolving `\x` escapes.
  std::optional<std::string> quoted_rest() {
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (pos_ >= text_.size()) return std::nullopt;
        c = text_[pos_++];
      }
      out.push_back(c);
    }
    return std::nullopt;  // unterminated
  }

private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string at(const Lexer& lex) { return " at offset " + std::to_string(lex.pos()); }

// One `name = value`; returns false with `error` set on a syntax error.
bool parse_param(Lexer& lex, AuthParam& param, std::string& error) {
  std::string_view name = lex.token();
  if (name.empty()) {
    error = "expected a parameter name" + at(lex);
    return false;
  }
  param.name = to_lower(name);
  lex.skip_lws();
  if (lex.at_end() || lex.peek() != '=') {
    error = "expected '=' after '" + param.name + "'" + at(lex);
    return false;
  }
  lex.advance();
  lex.skip_lws();
  if (!lex.at_end() && lex.peek() == '"') {
    lex.advance();
    auto value = lex.quoted_rest();
    if (!value) {
      error = "unterminated quoted value for '" + param.name + "'";
      return false;
    }
    param.value = std::move(*value);
    return true;
  }
  std::string_view value = lex.bare_value();
  if (value.empty()) {
    error = "empty value for '" + param.name + "'" + at(lex);
    return false;
  }
  param.value = std::string{value};
  return true;
}

}  // namespace

std::optional<std::vector<AuthParam>> parse_digest_params(std::string_view header_value,
                                                          std::string& error) {
  Lexer lex{header_value};
  lex.skip_lws();
  std::string_view scheme = lex.token();
  if (!iequals(scheme, "Digest")) {
    error = scheme.empty() ? "missing auth scheme" : "auth scheme '" + std::string{scheme} + "' is not Digest";
    return std::nullopt;
  }
  if (lex.at_end() || !is_lws(lex.peek())) {
    error = "expected white space after 'Digest'";
    return std::nullopt;
  }
  std::vector<AuthParam> params;
  // RFC 7230 §7 #rule: empty list elements (", ,") are tolerated.
  while (true) {
    lex.skip_lws();
    while (!lex.at_end() && lex.peek() == ',') {
      lex.advance();
      lex.skip_lws();
    }
    if (lex.at_end()) break;
    AuthParam param;
    if (!parse_param(lex, param, error)) return std::nullopt;
    if (find_param(params, param.name) != nullptr) {
      error = "duplicated parameter '" + param.name + "'";
      return std::nullopt;
    }
    params.push_back(std::move(param));
    lex.skip_lws();
    if (lex.at_end()) break;
    if (lex.peek() != ',') {
      error = "expected ',' after '" + params.back().name + "'" + at(lex);
      return std::nullopt;
    }
  }
  if (params.empty()) {
    error = "no parameters after 'Digest'";
    return std::nullopt;
  }
  return params;
}

const std::string* find_param(const std::vector<AuthParam>& params, std::string_view name) {
  for (const auto& p : params)
    if (p.name == name) return &p.value;
  return nullptr;
}

std::string* find_param(std::vector<AuthParam>& params, std::string_view name) {
  for (auto& p : params)
    if (p.name == name) return &p.value;
  return nullptr;
}

void append_quoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace trunklab::auth::detail
