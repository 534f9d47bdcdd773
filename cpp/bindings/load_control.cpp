// LoadControl for Python: a handle's thread (surge.start, the web UI) steers a run that another
// thread runs with the GIL released.
#include "surge/engine/load_control.hpp"

#include "register.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_load_control(py::module_& m) {
  py::class_<LoadControl>(m, "LoadControl")
      .def(py::init<>())
      .def(
          "set_rate",
          [](LoadControl& c, double rate) {
            c.request(LoadChange{.kind = LoadChange::Kind::rate, .value = rate});
          },
          py::arg("rate"), py::call_guard<py::gil_scoped_release>(),
          "Open model: arrivals follow `rate` requests/s from (about) now on.")
      .def(
          "set_users",
          [](LoadControl& c, double users, double spawn_rate) {
            c.request(LoadChange{.kind = LoadChange::Kind::users, .value = users, .spawn_rate = spawn_rate});
          },
          py::arg("users"), py::arg("spawn_rate") = 0.0, py::call_guard<py::gil_scoped_release>(),
          "Closed model: `users` from now on, added or removed at `spawn_rate` a second (0: at once).")
      .def("stop", &LoadControl::stop, py::call_guard<py::gil_scoped_release>(),
           "Ends the run as Ctrl-C does, keeping what was measured.");
}

}  // namespace surge::bindings
