"""A run's results: the Result and its JSON schema, suites, SLOs, histograms, comparisons and the
text summary. Nothing here runs anything."""
