// Blocking PostgreSQL helpers for what happens around a run, never during one: running set-up
// SQL (creating the tables a scenario uses, pgbench's initialisation).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace surge {

// libpq's messages span lines (a hint, a caret under the SQL); errors surge shows are one line.
std::string pg_one_line(const char* message);

struct PgRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // text form; SQL NULL as an empty string
};

// Runs `sql` (one or more statements, simple query protocol) on a fresh connection and returns
// the rows of the last statement. Throws std::invalid_argument with the server's message.
PgRows pg_execute(const std::string& conninfo, const std::string& sql);

}  // namespace surge
