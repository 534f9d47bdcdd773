// One LISTEN connection of a fan-out measurement. Writers send NOTIFY with a payload that
// starts with their send time (CLOCK_MONOTONIC ns, the `now_ns` generator); each listener
// records, per notification, the time from that send to its receipt as one outcome of its
// listen operation. Listeners are not part of the load model: they connect when the worker is
// built, and a lost connection is counted and reconnected after a pause.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <string>

#include "surge/proto/pg/libpq_connection.hpp"

namespace surge {

class PgProtocol;
template <class P>
class Worker;

class PgListener {
 public:
  PgListener(Worker<PgProtocol>& worker, int op, const std::string& channel);

  void start();
  void shutdown();

 private:
  void on_connected();
  void wait_readable();
  void on_readable();
  void lost(std::string_view why);
  void record(const char* payload);

  Worker<PgProtocol>& worker_;
  int op_;
  std::string listen_sql_;
  LibpqConnection connection_;
  boost::asio::steady_timer retry_timer_;
  std::uint64_t generation_ = 0;
  bool reading_ = false;
  bool stopped_ = false;
};

}  // namespace surge
