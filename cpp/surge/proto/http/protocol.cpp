#include "surge/proto/http/protocol.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <ctime>
#include <stdexcept>

#include "surge/engine/resolve.hpp"

namespace surge {

HttpShared HttpProtocol::prepare(const Spec& spec) {
  return prepare_http(spec, "http/1.1");
}

namespace {

// Every user variable a run's journeys name: captures, then feeder columns.
std::vector<std::string> user_variables(const HttpRunSpec& spec) {
  std::vector<std::string> names;
  const auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& op : spec.operations)
    for (const auto& capture : op.step.captures) add(capture.variable);
  for (const auto& journey : spec.journeys)
    for (const auto& variable : journey.variables) add(variable.first);
  for (const auto& feeder : spec.feeders)
    for (const auto& column : feeder.columns) add(column);
  return names;
}

int index_of(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin());
}

std::vector<std::pair<std::string, http::StepSpec>> steps_of(const HttpRunSpec& spec) {
  std::vector<std::pair<std::string, http::StepSpec>> steps;
  for (const auto& op : spec.operations) steps.emplace_back(op.name, op.step);
  return steps;
}

}  // namespace

HttpShared prepare_http(const HttpRunSpec& spec, const std::string& alpn) {
  HttpShared shared;
  shared.host_header =
      spec.host_header.empty() ? spec.host + ":" + std::to_string(spec.port) : spec.host_header;
  shared.host = spec.host;
  shared.user_names = user_variables(spec);
  const auto* user_names = spec.journeys.empty() ? nullptr : &shared.user_names;
  for (const auto& op : spec.operations) {
    try {
      http::RequestBuilder check(op.request, shared.host_header, user_names);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("operation '" + op.name + "': " + e.what());
    }
  }
  for (const auto& journey : spec.journeys) {
    for (const int step : journey.steps)
      if (step < 0 || static_cast<std::size_t>(step) >= spec.operations.size())
        throw std::invalid_argument("journey '" + journey.name + "': a step is not an operation of the run");
    if (journey.steps.empty()) throw std::invalid_argument("journey '" + journey.name + "' has no steps");
    try {
      VariableSet check;
      for (const auto& [name, generator] : journey.variables) check.declare(name, generator);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("journey '" + journey.name + "': " + e.what());
    }
    for (const auto& t : journey.transactions)
      if (t.first < 0 || t.first > t.last || static_cast<std::size_t>(t.last) >= journey.steps.size() ||
          t.operation < 0 || static_cast<std::size_t>(t.operation) >= spec.operations.size())
        throw std::invalid_argument("journey '" + journey.name +
                                    "': a transaction's steps are not the journey's");
    if (journey.feeder >= static_cast<int>(spec.feeders.size()))
      throw std::invalid_argument("journey '" + journey.name + "': its feeder is not one of the run's");
  }
  if (!spec.journeys.empty()) http::StepJudge check(steps_of(spec), shared.user_names);
  shared.endpoint = resolve_host(spec.host, spec.port);
  if (spec.tls) {
    tls::ClientOptions options = spec.tls_options;
    options.alpn = alpn;
    shared.tls = std::make_shared<const tls::ClientContext>(options);
    shared.server_name = spec.host;
  }
  return shared;
}

HttpProtocol::HttpProtocol(const Spec& spec, const Shared& shared, int index, int worker_count)
    : spec_(spec), shared_(shared) {
  const auto* user_names = spec.journeys.empty() ? nullptr : &shared.user_names;
  for (const auto& op : spec.operations) {
    builders_.emplace_back(op.request, shared.host_header, user_names);
    builders_.back().partition(index, worker_count);
  }
  step_headers_.assign(spec.operations.size(), false);
  step_body_.assign(spec.operations.size(), false);
  if (spec.journeys.empty()) return;
  judge_.emplace(steps_of(spec), shared.user_names);
  for (std::size_t op = 0; op < spec.operations.size(); ++op) {
    const int j = spec.operations[op].step_of;
    const bool cookies = j >= 0 && spec.journeys[static_cast<std::size_t>(j)].cookies;
    step_headers_[op] = cookies || judge_->reads_headers(static_cast<int>(op));
    step_body_[op] = judge_->reads_body(static_cast<int>(op));
  }
  for (const auto& journey : spec.journeys) {
    auto& drawn = journey_variables_.emplace_back();
    for (const auto& [name, generator] : journey.variables) {
      drawn.set.declare(name, generator);
      drawn.targets.push_back(index_of(shared.user_names, name));
    }
    drawn.set.partition(index, worker_count);
  }
  for (const auto& feeder : spec.feeders) {
    std::vector<int> columns;
    for (const auto& column : feeder.columns) columns.push_back(index_of(shared.user_names, column));
    feeders_.emplace_back(feeder, std::move(columns), index, worker_count);
  }
}

bool HttpProtocol::build_step_request(int op, std::string& out, Rng& rng, http::UserSession& user,
                                      std::string& bad) {
  if (!builders_[static_cast<std::size_t>(op)].build(out, rng, http::UserContext{&user.values}, &bad))
    return false;
  const int j = spec_.operations[static_cast<std::size_t>(op)].step_of;
  if (j < 0 || !spec_.journeys[static_cast<std::size_t>(j)].cookies || user.jar.size() == 0) return true;
  // The Cookie header needs the rendered path: it goes in after the request is built, at the
  // end of its header block.
  const auto& cookie =
      user.jar.header_for(http::request_target(out), shared_.tls != nullptr, std::time(nullptr));
  if (cookie.empty()) return true;
  const auto head_end = out.find("\r\n\r\n") + 2;
  out.insert(head_end, "Cookie: " + cookie + "\r\n");
  return true;
}

bool HttpProtocol::start_journey(int j, http::UserSession& user, Rng& rng) {
  auto& drawn = journey_variables_[static_cast<std::size_t>(j)];
  if (!drawn.set.empty()) {
    drawn.set.draw(rng);
    for (std::size_t v = 0; v < drawn.targets.size(); ++v)
      user.values[static_cast<std::size_t>(drawn.targets[v])].assign(drawn.set.value(static_cast<int>(v)));
  }
  const int feeder = spec_.journeys[static_cast<std::size_t>(j)].feeder;
  return feeder < 0 || feeders_[static_cast<std::size_t>(feeder)].take(user.values, rng);
}

void HttpProtocol::keep_cookies(int op, std::string_view request_path, const http::ResponseReader& reader,
                                http::UserSession& user) const {
  const int j = spec_.operations[static_cast<std::size_t>(op)].step_of;
  if (j < 0 || !spec_.journeys[static_cast<std::size_t>(j)].cookies) return;
  for (const auto& [name, value] : reader.headers())
    if (boost::beast::iequals(name, "set-cookie")) user.jar.store(value, request_path, std::time(nullptr));
}

std::optional<std::string> HttpProtocol::judge_step(int op, const http::ResponseReader& reader,
                                                    http::UserSession& user) {
  return judge_->judge(op, http::Response{reader.status(), reader.body(), reader.headers()}, user.values);
}

Nanos HttpProtocol::think_after(int op, Rng& rng) const noexcept {
  const auto& step = spec_.operations[static_cast<std::size_t>(op)].step;
  if (step.think_max <= step.think_min) return step.think_min;
  return step.think_min +
         static_cast<Nanos>(rng() % static_cast<std::uint64_t>(step.think_max - step.think_min + 1));
}

std::optional<ErrorClass> HttpProtocol::classify(int op, const http::ResponseReader& reader) const {
  return http::judge_response(spec_.operations[static_cast<std::size_t>(op)], reader.status(), reader.body());
}

}  // namespace surge
