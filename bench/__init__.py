"""Benchmarks of issue 9: each figure of the system next to a raw engine baseline measured in the same run."""
