"""surge: a load and latency engine. C++ does the load; Python describes it."""
