# Floodgate: build, run, test, benchmark. `make help` lists the targets.
NODE ?= node
# V8 flags of the floodgate processes (src/util/node-flags.ts says why; the command's shebang has the same).
NODE_FLAGS ?= --single-threaded-gc --max-semi-space-size=32 --no-memory-reducer

.PHONY: help build native console run test test-unit test-integration test-e2e lint bench soak evasion verdicts clean deps

help:
	@echo "make run     install what is missing, build, run Floodgate on embedded defaults"
	@echo "make test    install what is missing, build, lint, run the whole test suite"
	@echo "make bench   run the benchmark harness"
	@echo "make soak    100,000 hostile messages through floodgate run and a sample through Postfix"
	@echo "make evasion the full evasion suite (144 campaigns; make test runs 54)"
	@echo "make verdicts reports that stop campaigns on make run defaults, and spamd's cost in a flood"

# dist/ is rebuilt whole, so a moved or deleted source leaves no stale module behind.
build: native
	rm -rf dist/src dist/test dist/workers dist/benchmarks dist/console
	npx tsc -p tsconfig.json
	$(MAKE) --no-print-directory console

# The operator's console: its page scripts compiled for the browser, its page and style sheet, and uPlot from
# node_modules, all into dist/console (served from there; nothing is fetched at run time).
console:
	npx tsc -p src/ops/console/client/tsconfig.json
	mkdir -p dist/console/vendor
	cp src/ops/console/client/index.html src/ops/console/client/console.css dist/console/
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css dist/console/vendor/

native:
	$(MAKE) --no-print-directory -C native

run:
	scripts/install-deps.sh run
	$(NODE) $(NODE_FLAGS) dist/src/cli/main.js run $(ARGS)

# The build and the lint side by side (-j2, each output in one piece): the lint reads only the sources, and each
# keeps one core busy. Then every test file in two lanes (test/runner/lanes.ts says which may run beside which), each
# in its own process within 300 s as `node --test --test-timeout=300000 --test-force-exit` runs it, one TAP stream;
# each process reports through a blocking stdout (test/runner/blocking-stdout.ts says why).
test:
	scripts/install-deps.sh test --no-build
	$(MAKE) --no-print-directory -j2 --output-sync=target build lint
	$(NODE) --import ./dist/test/runner/blocking-stdout.js dist/test/runner/lanes.js $$(find dist/test -name '*.test.js' | sort)

test-unit: build
	$(NODE) --test $$(find dist/test/unit -name '*.test.js' | sort)

# Layers and cycles (.dependency-cruiser.cjs), then the code's own rules, then the format.
lint:
	npx depcruise src workers benchmarks test --config .dependency-cruiser.cjs --output-type err
	npx eslint .
	npx prettier --check .

# The evasion suite at full size (test/integration/evasion-suite.test.ts; make test runs a smaller set).
evasion: build
	EVASION_CAMPAIGNS=16 $(NODE) --test --test-timeout=1800000 dist/test/integration/evasion-suite.test.js

bench:
	scripts/install-deps.sh bench
	$(NODE) $(NODE_FLAGS) dist/src/cli/main.js bench $(ARGS)

# The hostile-mail soak (benchmarks/hostile-soak.ts); ARGS="--messages N --sessions S --seed K --postfix P".
soak:
	scripts/install-deps.sh test
	$(NODE) dist/benchmarks/hostile-soak.js $(ARGS)

# Verdicts on `make run` defaults through Postfix, and the flood's latency with spamd (benchmarks/verdicts.ts);
# ARGS="--campaigns N --copies N --ham N --rounds N --no-floors --no-latency".
verdicts:
	scripts/install-deps.sh test
	$(NODE) dist/benchmarks/verdicts.js $(ARGS)

clean:
	rm -rf dist
	$(MAKE) -C native clean
