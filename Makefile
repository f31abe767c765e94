.PHONY: run test lint bench

run:  ## Serve the map on http://127.0.0.1:8000 with the demo territory (local PostGIS)
	scripts/run.sh

test:  ## The whole test suite (throwaway PostGIS, headless Chromium)
	scripts/test.sh

lint:  ## Lint, formatting, import contracts and strict types (also run by make test)
	scripts/lint.sh

bench:  ## Benchmarks; figures go to bench/README.md
	WITH_BROWSER=1 WITH_BENCH=1 scripts/setup.sh
	.venv/bin/python -m bench.run
