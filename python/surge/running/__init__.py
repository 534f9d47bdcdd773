"""Running a scenario: on this machine (local), across Dask workers (distributed/), and the runs
built from many (suites, shapes, the capacity search). `runner.run` is the one entry point."""
