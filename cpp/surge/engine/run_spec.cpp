#include "surge/engine/run_spec.hpp"

#include <cmath>
#include <stdexcept>

namespace surge {

namespace {

double run_length_s(const LoadSpec& load) {
  if (load.duration == 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(load.warmup + load.duration) / 1e9;
}

void validate_open(const LoadSpec& load) {
  if (load.rate.empty()) throw std::invalid_argument("rate: an open-model run needs a rate or rate stages");
  if (!(load.rate.max_until(run_length_s(load)) > 0))
    throw std::invalid_argument("rate must be > 0 requests/s at some point of an open-model run");
  if (load.connections < 1) throw std::invalid_argument("connections must be >= 1");
  if (load.max_connections != 0 && load.max_connections < load.connections)
    throw std::invalid_argument("max_connections must be >= connections");
  if (load.max_backlog < 0) throw std::invalid_argument("max_backlog must be >= 0");
  if (load.late_after < 0) throw std::invalid_argument("late_after must be >= 0");
}

void validate_closed(const LoadSpec& load) {
  if (load.users.empty()) throw std::invalid_argument("users: a closed-model run needs users or user stages");
  if (load.peak_users() < 1) throw std::invalid_argument("users must be >= 1 at some point of the run");
  const auto& think = load.think;
  if (think.a < 0 || think.b < 0) throw std::invalid_argument("think time must be >= 0");
  if (think.kind == ThinkKind::uniform && think.b < think.a)
    throw std::invalid_argument("think time between(a, b) needs a <= b");
  if (think.kind == ThinkKind::pacing && think.a <= 0)
    throw std::invalid_argument("pacing period must be > 0");
  if (load.iterations_per_user < 0) throw std::invalid_argument("iterations per user must be >= 0");
  if (load.max_connections > 0 && load.peak_users() > load.max_connections)
    throw std::invalid_argument("users (" + std::to_string(load.peak_users()) + ") exceed max_connections (" +
                                std::to_string(load.max_connections) +
                                "): each user needs its own connection");
}

}  // namespace

int LoadSpec::peak_users() const noexcept {
  const double peak = users.max_until(run_length_s(*this));
  return static_cast<int>(std::min(std::floor(peak + 1e-9), 1e6));
}

void validate(const HttpRunSpec& spec) {
  validate_operations(spec.operations);
  validate_settings(spec);
  if (spec.port == 0) throw std::invalid_argument("port must be 1..65535");
}

void validate_settings(const RunSettings& settings) {
  validate_load(settings.load);
  if (settings.connect_timeout <= 0 || settings.request_timeout <= 0)
    throw std::invalid_argument("timeouts must be > 0");
  if (settings.network_latency < 0 || settings.network_jitter < 0)
    throw std::invalid_argument("network latency and jitter must be >= 0");
}

void validate_load(const LoadSpec& load) {
  if (load.threads < 1) throw std::invalid_argument("threads must be >= 1");
  if (load.model == LoadModel::open) {
    validate_open(load);
  } else {
    validate_closed(load);
  }
  if (load.requests < 0) throw std::invalid_argument("requests must be >= 0");
  if (load.duration < 0 || load.warmup < 0) throw std::invalid_argument("duration and warmup must be >= 0");
  const bool per_user_bound = load.model == LoadModel::closed && load.iterations_per_user > 0;
  if (load.duration == 0 && load.requests == 0 && !per_user_bound)
    throw std::invalid_argument("give a duration, a request count, or both: an unbounded run never stops");
  if (load.interval < kNanosPerMilli) throw std::invalid_argument("interval must be >= 1ms");
}

}  // namespace surge
