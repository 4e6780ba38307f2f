"""The structured risk-assessment instrument engine: definitions as data files, scoring as
data, plain Python that tests can call without a terminal."""
