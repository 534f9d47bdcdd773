#include "surge/engine/run_settings.hpp"

#include <pybind11/stl.h>

#include <tuple>
#include <vector>

#include "register.hpp"

namespace py = pybind11;

namespace surge::bindings {

namespace {

// Stages cross the boundary as (duration_s, from, to) triples; inf marks an open-ended hold.
using StageTuple = std::tuple<double, double, double>;

RateCurve curve_from(const std::vector<StageTuple>& stages) {
  std::vector<CurveSegment> segments;
  for (const auto& [duration, from, to] : stages)
    segments.push_back(CurveSegment{.duration_s = duration, .from = from, .to = to});
  return RateCurve(std::move(segments));  // std::invalid_argument -> ValueError
}

}  // namespace

void register_run_settings(py::module_& m) {
  py::enum_<LoadModel>(m, "LoadModel").value("closed", LoadModel::closed).value("open", LoadModel::open);
  py::enum_<Arrivals>(m, "Arrivals").value("uniform", Arrivals::uniform).value("poisson", Arrivals::poisson);
  py::enum_<ThinkKind>(m, "ThinkKind")
      .value("none", ThinkKind::none)
      .value("constant", ThinkKind::constant)
      .value("uniform", ThinkKind::uniform)
      .value("exponential", ThinkKind::exponential)
      .value("pacing", ThinkKind::pacing);
  py::enum_<IoMode>(m, "IoMode")
      .value("auto", IoMode::automatic)
      .value("uring", IoMode::uring)
      .value("epoll", IoMode::epoll);
  // Why io_uring cannot be used in this process, or "" (engine/io_mode.hpp).
  m.def("uring_refusal", [] { return uring_refusal(); });

  py::class_<LoadSpec>(m, "LoadSpec")
      .def(py::init<>())
      .def_readwrite("model", &LoadSpec::model)
      .def_readwrite("threads", &LoadSpec::threads)
      .def_readwrite("requests", &LoadSpec::requests)
      .def_readwrite("duration_ns", &LoadSpec::duration)
      .def_readwrite("warmup_ns", &LoadSpec::warmup)
      .def_readwrite("interval_ns", &LoadSpec::interval)
      .def("set_rate_stages", [](LoadSpec& l, const std::vector<StageTuple>& s) { l.rate = curve_from(s); })
      .def_readwrite("arrivals", &LoadSpec::arrivals)
      .def_readwrite("connections", &LoadSpec::connections)
      .def_readwrite("max_connections", &LoadSpec::max_connections)
      .def_readwrite("max_backlog", &LoadSpec::max_backlog)
      .def_readwrite("late_after_ns", &LoadSpec::late_after)
      .def("set_user_stages", [](LoadSpec& l, const std::vector<StageTuple>& s) { l.users = curve_from(s); })
      .def("set_think", [](LoadSpec& l, ThinkKind kind, Nanos a,
                           Nanos b) { l.think = ThinkTime{.kind = kind, .a = a, .b = b}; })
      .def_readwrite("iterations_per_user", &LoadSpec::iterations_per_user)
      .def_readwrite("most_users", &LoadSpec::most_users);

  // The base of every protocol's run spec (HttpRunSpec, RedisRunSpec, PgRunSpec).
  py::class_<RunSettings>(m, "RunSettings")
      .def_readwrite("load", &RunSettings::load)
      .def_readwrite("connect_timeout_ns", &RunSettings::connect_timeout)
      .def_readwrite("request_timeout_ns", &RunSettings::request_timeout)
      .def_readwrite("seed", &RunSettings::seed)
      .def_readwrite("network_latency_ns", &RunSettings::network_latency)
      .def_readwrite("network_jitter_ns", &RunSettings::network_jitter)
      .def_readwrite("drain_ns", &RunSettings::drain)
      .def_readwrite("interval_histograms", &RunSettings::interval_histograms)
      .def_readwrite("warm_start", &RunSettings::warm_start)
      .def_readwrite("share_index", &RunSettings::share_index)
      .def_readwrite("share_count", &RunSettings::share_count)
      .def_readwrite("io", &RunSettings::io);
}

}  // namespace surge::bindings
