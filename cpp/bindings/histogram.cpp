#include <pybind11/stl.h>

#include "register.hpp"
#include "surge/core/hdr_codec.hpp"
#include "surge/core/hdr_histogram.hpp"

namespace py = pybind11;

namespace surge::bindings {

void register_histogram(py::module_& m) {
  py::class_<HdrHistogram>(m, "HdrHistogram")
      .def(py::init<std::int64_t, std::int64_t, int>(), py::arg("lowest") = 1,
           py::arg("highest") = HdrHistogram::kDefaultHighest, py::arg("significant_digits") = 3)
      .def("record", &HdrHistogram::record_n, py::arg("value"), py::arg("count") = 1)
      .def("record_many",
           [](HdrHistogram& h, const std::vector<std::int64_t>& values) {
             for (const auto v : values) h.record(v);
           })
      .def("add", &HdrHistogram::add)
      .def("reset", &HdrHistogram::reset)
      .def_property_readonly("total_count", &HdrHistogram::total_count)
      .def_property_readonly("min", &HdrHistogram::min)
      .def_property_readonly("max", &HdrHistogram::max)
      .def_property_readonly("mean", &HdrHistogram::mean)
      .def_property_readonly("stdev", &HdrHistogram::stdev)
      .def("value_at_percentile", &HdrHistogram::value_at_percentile)
      .def("highest_equivalent", &HdrHistogram::highest_equivalent)
      .def("lowest_equivalent", &HdrHistogram::lowest_equivalent)
      .def("encode", &encode_hdr_base64, "HdrHistogram V2 compressed blob, base64 encoded.")
      .def_static("decode", [](const std::string& blob) { return decode_hdr_base64(blob); })
      .def(
          "nonzero_counts",
          [](const HdrHistogram& h) {
            std::vector<std::pair<std::int64_t, std::int64_t>> out;
            const auto counts = h.counts();
            for (std::size_t i = 0; i < counts.size(); ++i)
              if (counts[i] != 0) out.emplace_back(h.value_at_index(static_cast<std::int32_t>(i)), counts[i]);
            return out;
          },
          "(lowest value of the bucket, count) for every non-empty bucket.");
}

}  // namespace surge::bindings
