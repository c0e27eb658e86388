#include "reference/tls/context.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace trunklab::tls {
namespace {

// Where a SSL_CTX keeps its Context, for the key log callback (OpenSSL passes only the SSL).
int context_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string refused(const std::string& option, const std::string& file, const std::string& what) {
  const std::string reason = last_error_reason();
  return option + " " + file + ": " + what + (reason.empty() ? "" : " (" + reason + ")");
}

}  // namespace

std::string last_error_reason() {
  std::string text;
  // The first error is the cause; the later ones are the callers that passed it on.
  unsigned long first = ERR_get_error();
  if (first == 0) return text;
  const char* lib = ERR_lib_error_string(first);
  const char* reason = ERR_reason_error_string(first);
  if (lib != nullptr && reason != nullptr && std::strcmp(lib, "SSL routines") != 0) {
    text = std::string(lib) + ": " + reason;
  } else if (reason != nullptr) {
    text = reason;
  } else {
    char buffer[256];
    ERR_error_string_n(first, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

std::variant<std::unique_ptr<Context>, std::string> Context::server(const ServerFiles& files) {
  ERR_clear_error();
  std::unique_ptr<Context> context(new Context());
  context->ctx_ = SSL_CTX_new(TLS_server_method());
  if (context->ctx_ == nullptr) return "tls: cannot create a context (" + last_error_reason() + ")";
  SSL_CTX* ctx = context->ctx_;
  // RFC 8996 retires TLS 1.0 and 1.1; SIP over TLS today is 1.2 or 1.3.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  // No session resumption state to bound or expire: each connection is a full handshake.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (std::FILE* probe = std::fopen(files.certificate.c_str(), "r")) {
    std::fclose(probe);
  } else {
    return "--cert " + files.certificate + ": " + std::strerror(errno);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificate.c_str()) != 1) {
    return refused("--cert", files.certificate, "not a PEM certificate");
  }
  if (std::FILE* probe = std::fopen(files.key.c_str(), "r")) {
    std::fclose(probe);
  } else {
    return "--key " + files.key + ": " + std::strerror(errno);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL checks the key against the certificate as it loads it.
    if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return "--key " + files.key + ": does not match the certificate in " + files.certificate;
    }
    return refused("--key", files.key, "not a PEM private key");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return refused("--key", files.key, "does not match the certificate in " + files.certificate);
  }
  if (!files.ca.empty()) {
    if (std::FILE* probe = std::fopen(files.ca.c_str(), "r")) {
      std::fclose(probe);
    } else {
      return "--ca " + files.ca + ": " + std::strerror(errno);
    }
    if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1) {
      return refused("--ca", files.ca, "no CA certificate could be read");
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str());
    if (names == nullptr) return refused("--ca", files.ca, "no CA certificate could be read");
    SSL_CTX_set_client_CA_list(ctx, names);  // the CAs named in the CertificateRequest
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    context->verify_clients_ = true;
  }
  if (!files.keylog.empty()) {
    // The key log decrypts every session: readable by its owner only (as a private key file).
    const int fd = ::open(files.keylog.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) context->keylog_ = ::fdopen(fd, "a");
    if (context->keylog_ == nullptr) {
      const std::string reason = std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return "--tls-keylog " + files.keylog + ": " + reason;
    }
    context->keylog_path_ = files.keylog;
    SSL_CTX_set_ex_data(ctx, context_index(), context.get());
    SSL_CTX_set_keylog_callback(ctx, &Context::on_keylog);
  }
  return context;
}

Context::~Context() {
  if (keylog_ != nullptr) std::fclose(keylog_);
  SSL_CTX_free(ctx_);
}

void Context::on_keylog(const SSL* ssl, const char* line) {
  auto* context = static_cast<Context*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
  if (context != nullptr) context->write_keylog(line);
}

// Flushed per line: the log is read while serve runs (or after it was killed).
void Context::write_keylog(const char* line) {
  const std::uint64_t length = std::strlen(line) + 1;
  if (keylog_bytes_ + length > kMaxKeylogBytes || std::fprintf(keylog_, "%s\n", line) < 0 ||
      std::fflush(keylog_) != 0) {
    ++keylog_stats_.dropped;
    return;
  }
  keylog_bytes_ += length;
  ++keylog_stats_.lines;
}

}  // namespace trunklab::tls
