"""Benchmarks of qualiparc (`make bench`); figures are written to bench/README.md."""
