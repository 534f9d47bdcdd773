// Runs a PostgreSQL load: validates the spec, checks the DSN, the server and every statement
// once, then drives the workers.
#pragma once

#include "surge/engine/pg_spec.hpp"
#include "surge/engine/run_result.hpp"

namespace surge {

RunResult run_pg(const PgRunSpec& spec, const ProgressCallback& progress, const InterruptCheck& interrupted);

}  // namespace surge
