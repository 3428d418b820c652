# Two commands on a fresh clone: `make demo` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
DB      ?= out/demo.duckdb
YEAR    ?= 2019
# a fixed "today" for project delays, so that the demo's output does not change with the date
AS_OF   ?= 2025-12-31

.PHONY: demo test test-fast mutation setup docs bench bench-scale backtest clean postgres-server assets serve browser screenshots bench-web bench-collection

$(STAMP): pyproject.toml eduplan/web/assets.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python tools/fetch_assets.py
	touch $(STAMP)

## The web application's pinned third-party files (ECharts, eduplan/web/assets.py) into eduplan/web/static/vendor/: from npm, checked
## against the pinned sha512; without internet EDUPLAN_ASSETS_FROM=<echarts-6.1.0.tgz or its folder> installs from a local copy.
assets:
	$(PY) tools/fetch_assets.py

setup: $(STAMP)

## Build the demo district into its own store out/demo.duckdb from its source files, write outputs under out/, print a summary.
demo: $(STAMP) assets
	$(BIN)/eduplan demo --fresh --db $(DB) --sources out/demo-sources
	$(BIN)/eduplan users demo --db $(DB) --output out/demo-users.json
	$(BIN)/eduplan template --all --db $(DB) --output out/templates --force
	$(BIN)/eduplan plan show --db $(DB) --format json > out/plan.json
	$(BIN)/eduplan plan check --db $(DB) --format json > out/plan-check.json || true
	$(BIN)/eduplan plan check --db $(DB) || true
	$(BIN)/eduplan db status --db $(DB) --format json > out/db-status.json
	$(BIN)/eduplan summary --db $(DB) --year $(YEAR) --format json > out/summary-$(YEAR).json
	$(BIN)/eduplan summary --db $(DB) --year $(YEAR)
	$(BIN)/eduplan indicators --db $(DB) --year $(YEAR) --format json > out/indicators-$(YEAR).json
	$(BIN)/eduplan indicators --db $(DB) --year $(YEAR) --format xlsx --output out/indicators-$(YEAR).xlsx
	$(BIN)/eduplan indicators --db $(DB) --year $(YEAR)
	$(BIN)/eduplan balance --db $(DB) --year $(YEAR) --format json > out/balance-$(YEAR).json
	$(BIN)/eduplan balance --db $(DB) --year $(YEAR) --format xlsx --output out/balance-$(YEAR).xlsx
	$(BIN)/eduplan balance --db $(DB) --year $(YEAR)
	$(BIN)/eduplan projects --db $(DB) --as-of $(AS_OF) --year 2025 --format xlsx --output out/年度建设清单-2025.xlsx || true
	$(BIN)/eduplan forecast --db $(DB) --as-of $(AS_OF) --format json > out/forecast.json
	$(BIN)/eduplan forecast --db $(DB) --as-of $(AS_OF)

## The web application on the demo store (after `make demo`): http://127.0.0.1:$(PORT)/ — the demo users and their
## passwords are in out/demo-users.json.
PORT    ?= 8000
serve: $(STAMP) assets
	$(BIN)/eduplan serve --db $(DB) --port $(PORT)

## Full-page screenshots of the web application's main pages for each role (1366×768) and of the public page on a phone
## (390×844) under out/screenshots/ (index.md lists them), from a server on a copy of $(DB) with the demo users (after make demo).
screenshots: $(STAMP) assets browser
	$(BIN)/python tools/screenshots.py --db $(DB) --output out/screenshots

## The PostgreSQL 15 server the portability tests start a throwaway cluster of (tests/pg.py): installed with apt-get
## when missing and run as root; otherwise named, and those tests skip with the reason.
postgres-server:
	@if command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "安装 PostgreSQL 15 服务器（apt-get install postgresql-15）…"; \
	  (apt-get update -q >/dev/null && (apt-get install -y -q postgresql-15 >/dev/null || apt-get install -y -q postgresql >/dev/null)) \
	  || echo "未能安装 PostgreSQL 服务器：PostgreSQL 一致性测试将跳过"; \
	else echo "未找到 PostgreSQL 服务器（请安装 Debian 软件包 postgresql-15）：PostgreSQL 一致性测试将跳过"; fi

## Debian's Chromium (and a CJK font) for the browser tests (tests/test_web_browser.py, Playwright with /usr/bin/chromium):
## installed with apt-get when missing and run as root; otherwise named, and those tests skip with the reason.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "安装 Chromium 浏览器与中文字体（apt-get install chromium fonts-wqy-zenhei）…"; \
	  (apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null) \
	  || echo "未能安装 Chromium：浏览器测试将跳过"; \
	else echo "未找到 /usr/bin/chromium（请安装 Debian 软件包 chromium 和 fonts-wqy-zenhei）：浏览器测试将跳过"; fi

## Run the whole test suite.
test: $(STAMP) postgres-server browser assets
	$(BIN)/python -m pytest

## The fast lane: the tests neither marked `slow` nor on the demo / 江湾区 stores, on two workers (about 66 s here;
## docs/testing.md). `make test` runs everything.
test-fast: $(STAMP) assets
	$(BIN)/python -m pytest -m "not slow and not demo" -n 2

## Mutation testing of balance/, ingest/, indicators/ (with definitions.yaml), forecast/, projects/:
## writes out/mutation.json and out/mutation-survivors.txt (docs/testing.md). By default a seeded sample of
## 10 mutants per module (estimated half an hour to an hour here); `make mutation MUTATION_ARGS=` runs every mutant
## (about 65 CPU-hours: a night on a dedicated machine, with MUTATION_ARGS=--jobs 8).
MUTATION_ARGS ?= --sample 10 --seed 18
mutation: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,mutation]'
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)

## Regenerate the docs that are generated from code (tests fail when they are stale).
docs: $(STAMP)
	$(BIN)/eduplan docs --output docs

## Run the benchmarks (figures are recorded in docs/performance.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_engine_vs_hand.py
	$(BIN)/python benchmarks/bench_scale.py --sizes 1,4,16
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_collection.py

## The annual collection's steps (open, template, submit, review with each quality rule, approve, board, figures 含待审核数据)
## on the 1× city and the demo store (benchmarks/bench_collection.py; after make demo, else the city only; figures into
## out/bench/collection.json, quoted in docs/performance.md "Collection").
bench-collection: $(STAMP)
	$(BIN)/python benchmarks/bench_collection.py --demo $(DB)

## The web application under load: 50 users browsing 总览, 指标, 优质均衡 and 公开 of the city store for 60 s on 127.0.0.1
## (benchmarks/bench_web.py; figures into out/bench/web.json, quoted in docs/performance.md "Web"). About 4 minutes with the warm-up.
bench-web: $(STAMP) assets
	$(BIN)/python benchmarks/bench_web.py

## The scaling benchmark alone (1×, 4× and 16× the city; the cities are built once into out/bench/cities/; a minute or two).
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/bench_scale.py --sizes 1,4,16

## Backtests of the indicator projections and of the places forecast (figures in docs/monitoring.md, docs/forecast.md).
backtest: $(STAMP)
	$(BIN)/python benchmarks/bench_projection_backtest.py
	$(BIN)/python benchmarks/bench_forecast_backtest.py

clean:
	rm -rf out .pytest_cache
