"""CaseView benchmarks: ``make bench`` (``python -m bench``); see docs/benchmarks.md."""
