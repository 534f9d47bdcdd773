#include "surge/proto/pg/libpq_connection.hpp"

#include <libpq-fe.h>

#include <string>
#include <vector>

#include "surge/proto/pg/admin.hpp"
#include "surge/proto/pg/protocol.hpp"

namespace surge {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// The server's NOTICE and WARNING messages would otherwise go to stderr on every operation.
void ignore_notice(void* /*arg*/, const char* /*message*/) {}
}  // namespace

void LibpqConnection::ConnCloser::operator()(pg_conn* conn) const noexcept {
  PQfinish(conn);
}

LibpqConnection::LibpqConnection(asio::io_context& context) : socket_(context) {}

LibpqConnection::~LibpqConnection() {
  close();
}

void LibpqConnection::close() noexcept {
  ++attempt_;
  // libpq owns the descriptor: Asio lets go of it (cancelling its waits), PQfinish closes it.
  if (socket_.is_open()) socket_.release();
  conn_.reset();
}

std::string LibpqConnection::error_message() const {
  return conn_ ? pg_one_line(PQerrorMessage(conn_.get())) : std::string("out of memory");
}

void LibpqConnection::connect(const PgShared& shared, Done done) {
  close();
  done_ = std::move(done);
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (std::size_t i = 0; i < shared.keywords.size(); ++i) {
    keywords.push_back(shared.keywords[i].c_str());
    values.push_back(shared.values[i].c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_.reset(PQconnectStartParams(keywords.data(), values.data(), 1));
  if (conn_ == nullptr || PQstatus(conn_.get()) == CONNECTION_BAD) {
    finish(error_message());
    return;
  }
  PQsetNoticeProcessor(conn_.get(), &ignore_notice, nullptr);
  poll(PGRES_POLLING_WRITING);
}

void LibpqConnection::poll(int status) {
  switch (static_cast<PostgresPollingStatusType>(status)) {
    case PGRES_POLLING_OK:
      if (PQsetnonblocking(conn_.get(), 1) != 0) break;
      // The connect waited for writability, and Asio keeps EPOLLOUT registered from then on:
      // each later readiness wait re-arms (EPOLL_CTL_MOD) with it, and a writable socket wakes
      // epoll_wait at once for nothing, half a wake-up per query. Registered afresh, the
      // descriptor waits for what it is asked to. (Nothing waits on it at this point.)
      if (socket_.is_open()) {
        const int fd = socket_.release();
        socket_.assign(fd);
      }
      finish({});
      return;
    case PGRES_POLLING_READING:
    case PGRES_POLLING_WRITING: {
      const int fd = PQsocket(conn_.get());
      if (fd < 0) break;
      if (!socket_.is_open() || socket_.native_handle() != fd) {
        if (socket_.is_open()) socket_.release();
        socket_.assign(fd);
      }
      const auto wait = status == PGRES_POLLING_READING ? asio::posix::descriptor_base::wait_read
                                                        : asio::posix::descriptor_base::wait_write;
      socket_.async_wait(wait, [this, attempt = attempt_](const error_code& ec) {
        if (attempt != attempt_ || ec == asio::error::operation_aborted) return;
        poll(PQconnectPoll(conn_.get()));
      });
      return;
    }
    default:
      break;
  }
  // Refused, or the server turned us away (authentication, too many clients, shutting down).
  finish(error_message());
}

void LibpqConnection::finish(std::string_view error) {
  // The callback may reconnect, which replaces done_: call a moved-out copy.
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(error);
}

}  // namespace surge
