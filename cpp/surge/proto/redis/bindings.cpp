// Redis's run spec and run.
#include <pybind11/stl.h>

#include "bindings/register.hpp"
#include "bindings/register_run.hpp"
#include "surge/proto/redis/protocol.hpp"

namespace py = pybind11;

namespace surge::bindings {

namespace {

void register_redis(py::module_& m) {
  py::class_<RedisOperation>(m, "RedisOperation")
      .def(py::init<>())
      .def_readwrite("name", &RedisOperation::name)
      .def_readwrite("weight", &RedisOperation::weight)
      .def_property(
          "command", [](const RedisOperation& o) { return o.command.command; },
          [](RedisOperation& o, std::string v) { o.command.command = std::move(v); })
      .def_property(
          "variables", [](const RedisOperation& o) { return o.command.variables; },
          [](RedisOperation& o, std::vector<std::pair<std::string, std::string>> v) {
            o.command.variables = std::move(v);
          });

  py::class_<RedisRunSpec, RunSettings>(m, "RedisRunSpec")
      .def(py::init<>())
      .def_readwrite("host", &RedisRunSpec::host)
      .def_readwrite("port", &RedisRunSpec::port)
      .def_readwrite("unix_path", &RedisRunSpec::unix_path)
      .def_readwrite("username", &RedisRunSpec::username)
      .def_readwrite("password", &RedisRunSpec::password)
      .def_readwrite("db", &RedisRunSpec::db)
      .def_readwrite("pipeline", &RedisRunSpec::pipeline)
      .def_readwrite("tls", &RedisRunSpec::tls)
      .def_readwrite("tls_options", &RedisRunSpec::tls_options)
      .def_readwrite("operations", &RedisRunSpec::operations)
      .def_readwrite("cluster", &RedisRunSpec::cluster)
      .def_readwrite("read_from", &RedisRunSpec::read_from);

  register_run<RedisProtocol>(m, "run_redis", "Run a Redis load; releases the GIL for the whole run.");
}

const ProtocolRegistration registration{"redis", &register_redis};

}  // namespace

}  // namespace surge::bindings
