#include "reference/tls/session.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <array>

namespace trunklab::tls {
namespace {

constexpr std::size_t kChunk = 16 * 1024;  // one TLS record's plaintext at most

}  // namespace

Session::Session(const Context& context) {
  ssl_ = SSL_new(context.get());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in_, -1);  // empty is "more to come", not end of stream
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

Session::~Session() { SSL_free(ssl_); }

std::string Session::description() const {
  if (!established_) return "";
  return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
}

Session::Result Session::receive(std::string_view bytes, std::string& plain, std::string& wire) {
  if (failed_) return Result::failed;
  if (!bytes.empty() && BIO_write(in_, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
    error_ = "out of memory";
    failed_ = true;
    return Result::failed;
  }
  Result result = Result::ok;
  if (!established_) result = handshake(wire);
  if (result == Result::ok && established_) result = read_plain(plain);
  drain(wire);
  return result;
}

Session::Result Session::handshake(std::string& wire) {
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret != 1) {
    const int error = SSL_get_error(ssl_, ret);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Result::ok;
    return fail(ret);
  }
  established_ = true;
  if (!held_.empty()) {
    const std::string held = std::move(held_);
    held_.clear();
    if (!send(held, wire)) return Result::failed;
  }
  return Result::ok;
}

Session::Result Session::read_plain(std::string& plain) {
  std::array<char, kChunk> chunk{};
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, chunk.data(), static_cast<int>(chunk.size()));
    if (n > 0) {
      plain.append(chunk.data(), static_cast<std::size_t>(n));
      continue;
    }
    const int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Result::ok;
    if (error == SSL_ERROR_ZERO_RETURN) return Result::closed;
    return fail(n);
  }
}

Session::Result Session::fail(int ret) {
  failed_ = true;
  const int error = SSL_get_error(ssl_, ret);
  error_ = last_error_reason();
  if (error_.empty()) error_ = error == SSL_ERROR_SYSCALL ? "unexpected end of stream" : "TLS error";
  // A certificate check that failed says which check: untrusted, expired, wrong name...
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) error_ += std::string(": ") + X509_verify_cert_error_string(verify);
  return Result::failed;
}

bool Session::send(std::string_view message, std::string& wire) {
  if (failed_) return false;
  if (!established_) {
    if (held_.size() + message.size() > kMaxHeldBytes) return false;
    held_.append(message);
    return true;
  }
  while (!message.empty()) {
    ERR_clear_error();
    const int n = SSL_write(ssl_, message.data(), static_cast<int>(std::min(message.size(), kChunk)));
    if (n <= 0) {
      fail(n);
      drain(wire);
      return false;
    }
    message.remove_prefix(static_cast<std::size_t>(n));
  }
  drain(wire);
  return true;
}

void Session::drain(std::string& wire) {
  std::array<char, kChunk> chunk{};
  for (;;) {
    const int n = BIO_read(out_, chunk.data(), static_cast<int>(chunk.size()));
    if (n <= 0) return;
    wire.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace trunklab::tls
