// PostgreSQL's run spec and run, and the blocking set-up helper.
#include <pybind11/stl.h>

#include "bindings/register.hpp"
#include "bindings/register_run.hpp"
#include "surge/proto/pg/admin.hpp"
#include "surge/proto/pg/protocol.hpp"

namespace py = pybind11;

namespace surge::bindings {

namespace {

void register_pg(py::module_& m) {
  py::class_<PgStatement>(m, "PgStatement")
      .def(py::init<>())
      .def_readwrite("sql", &PgStatement::sql)
      .def_readwrite("params", &PgStatement::params)
      .def_readwrite("guard", &PgStatement::guard);

  py::class_<PgOperation>(m, "PgOperation")
      .def(py::init<>())
      .def_readwrite("name", &PgOperation::name)
      .def_readwrite("weight", &PgOperation::weight)
      .def_readwrite("statements", &PgOperation::statements)
      .def_readwrite("variables", &PgOperation::variables)
      .def_readwrite("computed", &PgOperation::computed)
      .def_readwrite("read", &PgOperation::read)
      .def_readwrite("statement_latency", &PgOperation::statement_latency)
      .def_readwrite("retries", &PgOperation::retries)
      .def_readwrite("listen_channel", &PgOperation::listen_channel)
      .def_readwrite("listeners", &PgOperation::listeners);

  py::enum_<PipelineSync>(m, "PipelineSync")
      .value("operation", PipelineSync::operation)
      .value("batch", PipelineSync::batch);

  py::class_<PgRunSpec, RunSettings>(m, "PgRunSpec")
      .def(py::init<>())
      .def_readwrite("conninfo", &PgRunSpec::conninfo)
      .def_readwrite("pipeline", &PgRunSpec::pipeline)
      .def_readwrite("pipeline_sync", &PgRunSpec::pipeline_sync)
      .def_readwrite("operations", &PgRunSpec::operations);

  register_run<PgProtocol>(m, "run_pg", "Run a PostgreSQL load; releases the GIL for the whole run.");

  m.def(
      "pg_execute",
      [](const std::string& conninfo, const std::string& sql) {
        PgRows rows;
        {
          py::gil_scoped_release release;
          rows = pg_execute(conninfo, sql);
        }
        return py::make_tuple(rows.columns, rows.rows);
      },
      py::arg("conninfo"), py::arg("sql"),
      "Runs SQL (simple protocol) and returns (columns, rows) of its last result; ValueError on error.");
}

const ProtocolRegistration registration{"pg", &register_pg};

}  // namespace

}  // namespace surge::bindings
