"""The offline HTML report: one file, its charts inlined (plotly), for a run, a suite or a
capacity search."""
