#include "surge/proto/pg/protocol.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "surge/engine/pipelined_lane.hpp"
#include "surge/proto/pg/admin.hpp"
#include "surge/proto/pg/connection.hpp"
#include "surge/proto/pg/listener.hpp"

namespace surge {

namespace {

struct ConnCloser {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

std::vector<const char*> pointers(const std::vector<std::string>& strings) {
  std::vector<const char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(s.c_str());
  out.push_back(nullptr);
  return out;
}

// The statements a transaction must not carry itself: surge makes each operation one implicit
// transaction, and an explicit block left open by an error would poison the pipeline.
bool is_transaction_control(const std::string& sql) {
  std::string word;
  for (const char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == ';') {
      if (!word.empty()) break;
      continue;
    }
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return word == "BEGIN" || word == "START" || word == "COMMIT" || word == "END" || word == "ROLLBACK" ||
         word == "ABORT";
}

void check_statements(PGconn* conn, const PgRunSpec& spec, const PgShared& shared) {
  std::size_t k = 0;
  for (const auto& op : spec.operations) {
    for (std::size_t i = 0; i < op.statements.size(); ++i, ++k) {
      const auto& statement = shared.statements[k];
      const std::string where = "operation '" + op.name + "' statement " + std::to_string(i + 1);
      const Result prepared(PQprepare(conn, statement.name.c_str(), statement.sql.c_str(), 0, nullptr));
      if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
        const char* state = PQresultErrorField(prepared.get(), PG_DIAG_SQLSTATE);
        const char* primary = PQresultErrorField(prepared.get(), PG_DIAG_MESSAGE_PRIMARY);
        const char* position = PQresultErrorField(prepared.get(), PG_DIAG_STATEMENT_POSITION);
        throw std::invalid_argument(
            where + ": " + pg_one_line(primary != nullptr ? primary : PQresultErrorMessage(prepared.get())) +
            (position != nullptr ? std::string(" at character ") + position : std::string()) + " (SQLSTATE " +
            (state != nullptr ? state : "?") + ") in: " + pg_one_line(statement.sql.c_str()));
      }
      const Result described(PQdescribePrepared(conn, statement.name.c_str()));
      const int wanted = PQnparams(described.get());
      if (wanted != statement.params)
        throw std::invalid_argument(where + " takes " + std::to_string(wanted) + " parameter(s) but " +
                                    std::to_string(statement.params) +
                                    " were given, in: " + pg_one_line(statement.sql.c_str()));
    }
  }
}

}  // namespace

PgShared PgProtocol::prepare(const Spec& spec) {
  PgShared shared;
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(spec.conninfo.c_str(), &parse_error);
  if (parsed == nullptr) {
    const std::string message = parse_error != nullptr ? pg_one_line(parse_error) : "cannot parse it";
    PQfreemem(parse_error);
    throw std::invalid_argument("dsn: " + message +
                                "; give postgresql://user@host:port/db or 'host=... port=... dbname=...'");
  }
  PQconninfoFree(parsed);
  const auto connect_timeout_s = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(static_cast<double>(spec.connect_timeout) / kNanosPerSecond)));
  shared.keywords = {"application_name", "connect_timeout", "dbname"};
  shared.values = {"surge", std::to_string(connect_timeout_s), spec.conninfo};

  std::size_t k = 0;
  for (const auto& op : spec.operations) {
    int ignored = 0;
    (void)make_state(op, 0, 1, ignored);  // throws naming the operation
    if (spec.pipeline_sync == PipelineSync::batch &&
        std::any_of(op.statements.begin(), op.statements.end(),
                    [](const auto& s) { return !s.guard.empty(); }))
      throw std::invalid_argument("operation '" + op.name +
                                  "': an \\if leaves statements out, which a batch's shared Sync cannot "
                                  "follow; use pipeline_sync='operation'");
    for (const auto& statement : op.statements) {
      if (is_transaction_control(statement.sql))
        throw std::invalid_argument("operation '" + op.name +
                                    "': leave out BEGIN/COMMIT; each operation already runs as one "
                                    "transaction (its statements between two pipeline syncs)");
      shared.statements.push_back(
          {"surge_" + std::to_string(k++), statement.sql, static_cast<int>(statement.params.size())});
    }
  }

  const auto keywords = pointers(shared.keywords);
  const auto values = pointers(shared.values);
  const Conn conn(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (conn == nullptr) throw std::runtime_error("postgres: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string why = pg_one_line(PQerrorMessage(conn.get()));
    // libpq's words when the peer answers, but not in PostgreSQL's protocol.
    for (const std::string_view sign :
         {"SSL negotiation", "expected authentication request", "invalid response"}) {
      if (why.find(sign) != std::string::npos) {
        why += " (the server there does not speak PostgreSQL's protocol)";
        break;
      }
    }
    throw std::invalid_argument("postgres: cannot connect: " + why +
                                "; check the DSN's host, port, database, user and password");
  }
  check_statements(conn.get(), spec, shared);
  return shared;
}

PgProtocol::OperationState PgProtocol::make_state(const PgOperation& op, int index, int worker_count,
                                                  int& statement_index) {
  OperationState state;
  try {
    for (const auto& [name, generator] : op.variables) state.variables.declare(name, generator);
    state.variables.partition(index, worker_count);
    for (const auto& [name, program] : op.computed) {
      state.computed.push_back(pg::ScriptExpression::parse(program, [&](std::string_view earlier) {
        for (std::size_t i = 0; i < state.computed.size(); ++i)
          if (op.computed[i].first == earlier) return static_cast<int>(i);
        return -1;
      }));
      state.computed_slots.push_back(state.variables.declare_set(name));
    }
    state.computed_values.resize(state.computed.size());
    if (op.statement_latency) state.statement_latency.resize(op.statements.size());
    for (const auto& statement : op.statements) {
      StatementState s;
      s.shared_index = statement_index++;
      if (!statement.guard.empty()) {
        const auto found = std::find_if(op.computed.begin(), op.computed.end(),
                                        [&](const auto& c) { return c.first == statement.guard; });
        if (found == op.computed.end())
          throw std::invalid_argument("the guard '" + statement.guard + "' is not a computed variable");
        s.guard = static_cast<int>(found - op.computed.begin());
      }
      for (const auto& param : statement.params) {
        s.params.push_back(RequestTemplate::parse(param, state.variables));
        s.params.back().partition(index, worker_count);
      }
      state.statements.push_back(std::move(s));
    }
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("operation '" + op.name + "': " + e.what());
  }
  return state;
}

PgProtocol::PgProtocol(const Spec& spec, const Shared& shared, int index, int worker_count)
    : spec_(spec), shared_(shared), index_(index), worker_count_(worker_count) {
  std::size_t most_params = 0;
  int k = 0;
  for (const auto& op : spec.operations) {
    ops_.push_back(make_state(op, index, worker_count, k));
    for (const auto& s : ops_.back().statements) most_params = std::max(most_params, s.params.size());
  }
  values_.resize(most_params);
  for (auto& v : values_) v.reserve(64);
  value_pointers_.resize(most_params);
  value_lengths_.resize(most_params);
}

PgProtocol::~PgProtocol() = default;

int PgProtocol::send_prepares(PGconn* conn) const {
  for (const auto& s : shared_.statements)
    if (PQsendPrepare(conn, s.name.c_str(), s.sql.c_str(), 0, nullptr) == 0) return -1;
  return static_cast<int>(shared_.statements.size());
}

int PgProtocol::send_operation(int op, PGconn* conn, Rng& rng, bool sync, std::int64_t client_id,
                               std::uint64_t& sent_mask) {
  auto& state = ops_[static_cast<std::size_t>(op)];
  const bool timed = !state.statement_latency.empty();
  sent_mask = 0;
  state.variables.draw(rng);
  for (std::size_t i = 0; i < state.computed.size(); ++i) {
    try {
      state.computed_values[i] = state.computed[i].evaluate(state.computed_values, client_id, rng);
    } catch (const pg::ScriptError& e) {
      const auto& spec = spec_.operations[static_cast<std::size_t>(op)];
      throw pg::ScriptError("operation '" + spec.name + "': \\set " + spec.computed[i].first + ": " +
                            e.what() + " (pgbench would abort the client too)");
    }
    auto& slot = state.variables.slot(state.computed_slots[i]);
    slot.clear();
    state.computed_values[i].append_to(slot);
  }
  int sent = 0;
  for (std::size_t k = 0; k < state.statements.size(); ++k) {
    auto& statement = state.statements[k];
    if (statement.guard >= 0 && !state.computed_values[static_cast<std::size_t>(statement.guard)].truth())
      continue;
    const auto n = statement.params.size();
    for (std::size_t i = 0; i < n; ++i) {
      values_[i].clear();
      statement.params[i].render(values_[i], state.variables, rng);
      value_pointers_[i] = values_[i].c_str();
      value_lengths_[i] = static_cast<int>(values_[i].size());
    }
    const auto& shared = shared_.statements[static_cast<std::size_t>(statement.shared_index)];
    // Text parameters and text results: the server converts, as it does for psql and pgbench.
    if (PQsendQueryPrepared(conn, shared.name.c_str(), static_cast<int>(n), value_pointers_.data(),
                            value_lengths_.data(), nullptr, 0) == 0)
      return -1;
    // Timed apart: the server answers each statement as it finishes, not all at the Sync.
    if (timed && PQsendFlushRequest(conn) == 0) return -1;
    if (timed && k < 64) sent_mask |= std::uint64_t{1} << k;  // untimed: nothing to map
    ++sent;
  }
  return !sync || PQpipelineSync(conn) != 0 ? sent : -1;
}

void PgProtocol::record_statement(int op, int statement, Nanos latency) {
  auto& histograms = ops_[static_cast<std::size_t>(op)].statement_latency;
  if (static_cast<std::size_t>(statement) < histograms.size())
    histograms[static_cast<std::size_t>(statement)].record(std::max<Nanos>(latency, 0));
}

void PgProtocol::add_to(RunResult& result) const {
  for (std::size_t op = 0; op < ops_.size(); ++op) {
    const auto& spec = spec_.operations[op];
    const auto& histograms = ops_[op].statement_latency;
    for (std::size_t k = 0; k < histograms.size(); ++k) {
      auto row =
          std::find_if(result.statements.begin(), result.statements.end(), [&](const StatementResult& r) {
            return r.operation == spec.name && r.index == static_cast<int>(k);
          });
      if (row == result.statements.end()) {
        StatementResult added;
        added.operation = spec.name;
        added.index = static_cast<int>(k);
        added.sql = spec.statements[k].sql;
        result.statements.push_back(std::move(added));
        row = result.statements.end() - 1;
      }
      row->latency.add(histograms[k]);
    }
  }
}

void PgProtocol::shutdown() {
  for (auto& listener : listeners_) listener->shutdown();
}

PgConnection& PgProtocol::connection_for(int lane, Worker<PgProtocol>& worker) {
  if (!listeners_started_) {
    listeners_started_ = true;
    for (std::size_t op = 0; op < spec_.operations.size(); ++op) {
      const auto& spec = spec_.operations[op];
      if (!spec.is_listen()) continue;
      for (std::int64_t k = worker_share(spec.listeners, index_, worker_count_); k > 0; --k) {
        listeners_.push_back(std::make_unique<PgListener>(worker, static_cast<int>(op), spec.listen_channel));
        listeners_.back()->start();
      }
    }
  }
  const auto index = static_cast<std::size_t>(lane / spec_.pipeline);
  while (connections_.size() <= index)
    connections_.push_back(std::make_unique<PgConnection>(
        worker, spec_.pipeline, static_cast<std::int64_t>(connections_.size()) * worker_count_ + index_));
  return *connections_[index];
}

}  // namespace surge
