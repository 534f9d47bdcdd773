#include "surge/proto/pg/admin.hpp"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace surge {

std::string pg_one_line(const char* message) {
  std::string out;
  bool space = false;
  for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
    const bool blank = *c == '\n' || *c == '\t' || *c == ' ' || *c == '\r';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(*c);
  }
  return out;
}

PgRows pg_execute(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (conn == nullptr) throw std::runtime_error("postgres: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::invalid_argument("postgres: cannot connect: " + pg_one_line(PQerrorMessage(conn.get())) +
                                "; check the DSN's host, port, database, user and password");
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  if (PQsendQuery(conn.get(), sql.c_str()) == 0)
    throw std::invalid_argument("postgres: " + pg_one_line(PQerrorMessage(conn.get())));
  PgRows out;
  std::string failure;
  // Every statement's result is read; the last one that returned rows is kept.
  while (PGresult* raw = PQgetResult(conn.get())) {
    const std::unique_ptr<PGresult, decltype(&PQclear)> result(raw, &PQclear);
    const auto status = PQresultStatus(raw);
    if (status == PGRES_FATAL_ERROR && failure.empty()) failure = pg_one_line(PQresultErrorMessage(raw));
    if (status != PGRES_TUPLES_OK) continue;
    out = PgRows{};
    for (int c = 0; c < PQnfields(raw); ++c) out.columns.emplace_back(PQfname(raw, c));
    for (int r = 0; r < PQntuples(raw); ++r) {
      auto& row = out.rows.emplace_back();
      for (int c = 0; c < PQnfields(raw); ++c) row.emplace_back(PQgetvalue(raw, r, c));
    }
  }
  if (!failure.empty()) throw std::invalid_argument("postgres: " + failure);
  return out;
}

}  // namespace surge
