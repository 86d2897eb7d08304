.PHONY: run test demo bench clean
SHELL := /bin/bash

run:            ## set up and start the site on http://127.0.0.1:8000
	scripts/run.sh

test:           ## set up and run the whole test suite
	scripts/test.sh

demo:           ## the site pointed at the loopback test network
	scripts/demo.sh

bench:          ## benchmarks against the test network (figures in the README)
	scripts/bench.sh

clean:          ## remove runtime state (database, logs, test network) but not the venv
	rm -rf var
