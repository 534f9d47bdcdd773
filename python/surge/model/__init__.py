"""The scenario model: what a user describes (Scenario, load models, think time, the YAML and
Python scenario files) and the plan it resolves to once, before the engine runs it."""
