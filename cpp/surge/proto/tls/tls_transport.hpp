// TLS between a connection's buffers and its stream socket, for any protocol's connection (HTTP,
// Redis): drives the handshake after the TCP connect, encrypts what goes out, and reads and
// decrypts what comes in. The session itself is sans-IO (tls_session.hpp); this is the glue to
// Asio that every connection would otherwise write again. It keeps the connection's last
// session, and offers it on the next connect.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "surge/engine/operation_stats.hpp"
#include "surge/engine/read_when_ready.hpp"
#include "surge/engine/stream_socket.hpp"
#include "surge/proto/tls/tls_session.hpp"

namespace surge::tls {

// How a handshake ended: ok, or the error class and why. `aborted`: the socket was closed
// under it (a deadline, a shutdown); the caller knows which.
struct HandshakeOutcome {
  bool ok = false;
  bool aborted = false;
  ErrorClass error = ErrorClass::tls_handshake;
  std::string_view why;
};

// What a read through the session found.
enum class Plain { data, none, closed, failed };

class Transport {
 public:
  explicit Transport(const ClientContext* context, std::size_t cipher_buffer = std::size_t{16} * 1024)
      : context_(context) {
    if (context_ != nullptr) cipher_in_.resize(cipher_buffer);
  }
  // The server side: handshake() accepts instead of connecting.
  explicit Transport(const ServerContext* server, std::size_t cipher_buffer = std::size_t{16} * 1024)
      : server_(server) {
    if (server_ != nullptr) cipher_in_.resize(cipher_buffer);
  }
  [[nodiscard]] bool enabled() const noexcept { return context_ != nullptr || server_ != nullptr; }
  [[nodiscard]] bool resumed() const noexcept { return session_.resumed(); }
  [[nodiscard]] const std::string& error() const noexcept { return session_.error(); }
  // The protocol the handshake agreed on by ALPN ("h2", "http/1.1"), or empty.
  [[nodiscard]] std::string_view alpn() const noexcept { return session_.alpn(); }

  // On a connected socket: the handshake to `server_name`. `wanted()` is asked before each
  // step (false: the connection moved on, do nothing); `done(outcome)` is called once.
  template <class Socket, class Wanted, class Done>
  void handshake(Socket& socket, const std::string& server_name, Wanted wanted, Done done) {
    if (server_ != nullptr) {
      session_.accept(*server_);
    } else {
      session_.start(*context_, server_name, saved_.get());
    }
    handshaking_ = true;
    step_handshake(socket, std::move(wanted), std::move(done));
  }

  // Encrypts `plain` into `wire` (replacing it); false when the session is broken (error()).
  bool encrypt(std::string_view plain, std::string& wire) {
    wire.clear();
    if (session_.write(plain) == Step::failed) return false;
    session_.drain(wire);
    return true;
  }

  // Decrypts what has arrived into `into`; `n` is how much.
  Plain decrypt(char* into, std::size_t room, std::size_t& n) {
    n = 0;
    if (!session_.active() || room == 0) return Plain::none;
    switch (session_.read(into, room, n)) {
      case Step::done:
        return Plain::data;
      case Step::want_read:
        return Plain::none;
      case Step::closed:
        return Plain::closed;
      case Step::failed:
        return Plain::failed;
    }
    return Plain::none;
  }

  // Decrypts what has arrived into `buffer`'s free space (up to `max` held) and hands it on, as
  // a plain read would: on_read({}, n) for plaintext, on_read(eof, 0) for the peer's
  // close_notify; on_broken() for a record that does not decrypt (the server's garbage).
  // False when nothing was delivered: more ciphertext is needed (or the buffer is full).
  template <class Buffer, class OnRead, class OnBroken>
  bool deliver(Buffer& buffer, std::size_t max, OnRead on_read, OnBroken on_broken) {
    std::size_t room = 0;
    char* tail = buffer.writable(room, max);
    std::size_t n = 0;
    switch (decrypt(tail, room, n)) {
      case Plain::data:
        on_read(boost::system::error_code{}, n);
        return true;
      case Plain::none:
        return false;
      case Plain::closed:
        on_read(boost::asio::error::make_error_code(boost::asio::error::eof), 0);
        return true;
      case Plain::failed:
        on_broken();
        return true;
    }
    return false;
  }

  // Waits for ciphertext, hands it to the session, then calls `fed(ec)`; decrypt() next.
  template <class Socket, class Wanted, class Fed>
  void read_cipher(Socket& socket, Wanted wanted, Fed fed) {
    read_when_ready(socket, boost::asio::buffer(cipher_in_), std::move(wanted),
                    [this, fed = std::move(fed)](const boost::system::error_code& ec, std::size_t n) mutable {
                      if (!ec) session_.feed(cipher_in_.data(), n);
                      fed(ec);
                    });
  }

  // A server session's read over TLS, the loop the target's HTTP/1.1 and HTTP/2 sessions share:
  // hands the next plaintext to on_plain(n) (written at `buffer`'s tail, not yet committed),
  // reading ciphertext for as long as that takes; the peer's close_notify, a record that does
  // not decrypt, or a failed read call on_close(). `keep` (the session's shared_ptr) keeps the
  // session, and so this transport, `socket` and `buffer`, alive while a read waits.
  template <class Socket, class Buffer, class Keep, class OnPlain, class OnClose>
  void read_plain(Socket& socket, Buffer& buffer, std::size_t max, Keep keep, OnPlain on_plain,
                  OnClose on_close) {
    const bool delivered = deliver(
        buffer, max,
        [&](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            on_close();
          } else {
            on_plain(n);
          }
        },
        [&] { on_close(); });
    if (delivered) return;
    read_cipher(
        socket, [&socket, keep] { return socket.is_open(); },
        [this, &socket, &buffer, max, keep, on_plain = std::move(on_plain),
         on_close = std::move(on_close)](const boost::system::error_code& ec) mutable {
          if (ec) {
            on_close();
            return;
          }
          read_plain(socket, buffer, max, std::move(keep), std::move(on_plain), std::move(on_close));
        });
  }

  // The connection closed: keep the session (when resumption is on), end this one.
  void close() noexcept {
    if (session_.active() && !handshaking_ && context_ != nullptr && context_->options().resume) {
      saved_ = session_.save();
    }
    session_.reset();
    handshaking_ = false;
  }

 private:
  template <class Socket, class Wanted, class Done>
  void step_handshake(Socket& socket, Wanted wanted, Done done) {
    const Step step = session_.handshake();
    handshake_out_.clear();
    session_.drain(handshake_out_);
    if (step == Step::failed) {
      handshaking_ = false;
      const ErrorClass error =
          session_.failure() == Failure::verify ? ErrorClass::tls_verify : ErrorClass::tls_handshake;
      done(HandshakeOutcome{false, false, error, session_.error()});
      return;
    }
    auto next = [this, &socket, step, wanted, done]() mutable {
      if (step == Step::done) {
        handshaking_ = false;
        done(HandshakeOutcome{true});
        return;
      }
      read_when_ready(
          socket, boost::asio::buffer(cipher_in_), wanted,
          [this, &socket, wanted, done](const boost::system::error_code& ec, std::size_t n) mutable {
            if (ec) {
              handshaking_ = false;
              if (ec == boost::asio::error::operation_aborted) {
                done(HandshakeOutcome{false, true});
              } else if (ec == boost::asio::error::eof) {
                done(HandshakeOutcome{false, false, ErrorClass::tls_handshake,
                                      "the server closed the connection in the TLS handshake"});
              } else {
                why_ = ec.message();
                done(HandshakeOutcome{false, false, ErrorClass::tls_handshake, why_});
              }
              return;
            }
            session_.feed(cipher_in_.data(), n);
            step_handshake(socket, std::move(wanted), std::move(done));
          });
    };
    // Handshake messages are small and almost always fit the socket buffer at once.
    boost::system::error_code ec;
    const std::size_t written =
        handshake_out_.empty() ? 0 : socket.write_some(boost::asio::buffer(handshake_out_), ec);
    if (ec && ec != boost::asio::error::would_block) {
      handshaking_ = false;
      why_ = ec.message();
      done(HandshakeOutcome{false, false, ErrorClass::tls_handshake, why_});
      return;
    }
    if (written < handshake_out_.size()) {
      write_all(socket, boost::asio::buffer(handshake_out_.data() + written, handshake_out_.size() - written),
                [this, wanted, done, next](const boost::system::error_code& write_ec, std::size_t) mutable {
                  if (!wanted()) return;
                  if (write_ec) {
                    handshaking_ = false;
                    why_ = write_ec.message();
                    done(HandshakeOutcome{false, write_ec == boost::asio::error::operation_aborted,
                                          ErrorClass::tls_handshake, why_});
                    return;
                  }
                  next();
                });
      return;
    }
    next();
  }

  const ClientContext* context_ = nullptr;
  const ServerContext* server_ = nullptr;
  Session session_;
  SavedSession saved_;
  std::vector<char> cipher_in_;
  std::string handshake_out_;
  std::string why_;
  bool handshaking_ = false;
};

}  // namespace surge::tls
