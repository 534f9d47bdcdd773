#include <pybind11/stl.h>

#include "register.hpp"
#include "run_wrapper.hpp"
#include "surge/engine/pg_admin.hpp"
#include "surge/engine/pg_runner.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_pg_run(py::module_& m) {
  py::class_<PgStatement>(m, "PgStatement")
      .def(py::init<>())
      .def_readwrite("sql", &PgStatement::sql)
      .def_readwrite("params", &PgStatement::params);

  py::class_<PgOperation>(m, "PgOperation")
      .def(py::init<>())
      .def_readwrite("name", &PgOperation::name)
      .def_readwrite("weight", &PgOperation::weight)
      .def_readwrite("statements", &PgOperation::statements)
      .def_readwrite("variables", &PgOperation::variables)
      .def_readwrite("read", &PgOperation::read)
      .def_readwrite("retries", &PgOperation::retries)
      .def_readwrite("listen_channel", &PgOperation::listen_channel)
      .def_readwrite("listeners", &PgOperation::listeners);

  py::class_<PgRunSpec, RunSettings>(m, "PgRunSpec")
      .def(py::init<>())
      .def_readwrite("conninfo", &PgRunSpec::conninfo)
      .def_readwrite("pipeline", &PgRunSpec::pipeline)
      .def_readwrite("batch_sync", &PgRunSpec::batch_sync)
      .def_readwrite("operations", &PgRunSpec::operations);

  m.def(
      "run_pg",
      [](const PgRunSpec& spec, const std::optional<py::function>& progress) {
        return run_releasing_gil(spec, progress, &run_pg);
      },
      py::arg("spec"), py::arg("progress") = py::none(),
      "Run a PostgreSQL load; releases the GIL for the whole run.");

  m.def(
      "pg_dsn_settings", [](const std::string& conninfo) { return pg_dsn_settings(conninfo); },
      py::arg("conninfo"),
      "The settings of a libpq connection string; raises ValueError if it does not parse.");

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

}  // namespace surge::bindings
