"""One run across Dask workers: the plan split into exact shares (split), each run by the
native engine on its worker (run), and the interval reports merged by adding counts (merge)."""
