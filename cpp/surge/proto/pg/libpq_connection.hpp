// One libpq connection opened without blocking: PQconnectStartParams, then PQconnectPoll each
// time Asio reports the socket ready for what libpq asked (libpq may switch sockets while it
// tries a host's addresses). The socket is lent to Asio for readiness waits and never closed by
// it: PQfinish closes it. Pipelined connections (queries) and listeners (LISTEN) both connect
// this way.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <string_view>

struct pg_conn;

namespace surge {

struct PgShared;

class LibpqConnection {
 public:
  // Called once per connect(): an empty message means connected, else why it failed.
  using Done = std::function<void(std::string_view error)>;

  explicit LibpqConnection(boost::asio::io_context& context);
  LibpqConnection(const LibpqConnection&) = delete;
  LibpqConnection& operator=(const LibpqConnection&) = delete;
  ~LibpqConnection();

  void connect(const PgShared& shared, Done done);
  // Drops the connection; handlers of the attempt in progress do nothing.
  void close() noexcept;
  [[nodiscard]] pg_conn* get() const noexcept { return conn_.get(); }
  [[nodiscard]] boost::asio::posix::stream_descriptor& socket() noexcept { return socket_; }
  // Calls `ready()` once the socket is readable (or writable), unless the connection has been
  // closed or replaced meanwhile: then the wait just ends.
  template <class Ready>
  void when_readable(Ready ready) {
    when(boost::asio::posix::descriptor_base::wait_read, std::move(ready));
  }
  template <class Ready>
  void when_writable(Ready ready) {
    when(boost::asio::posix::descriptor_base::wait_write, std::move(ready));
  }
  // libpq's last message, on one line.
  [[nodiscard]] std::string error_message() const;

 private:
  template <class Ready>
  void when(boost::asio::posix::descriptor_base::wait_type wait, Ready ready) {
    socket_.async_wait(
        wait, [this, attempt = attempt_, ready = std::move(ready)](const boost::system::error_code& ec) {
          if (attempt == attempt_ && ec != boost::asio::error::operation_aborted) ready();
        });
  }

  struct ConnCloser {
    void operator()(pg_conn* conn) const noexcept;
  };
  void poll(int status);
  void finish(std::string_view error);

  std::unique_ptr<pg_conn, ConnCloser> conn_;
  boost::asio::posix::stream_descriptor socket_;
  Done done_;
  std::uint64_t attempt_ = 0;
};

}  // namespace surge
