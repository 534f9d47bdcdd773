"""What a run is shown and written as, besides its JSON: the live terminal view, the HTML report,
Locust CSV, .hlog interval logs and Prometheus /metrics."""
