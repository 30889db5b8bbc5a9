# Trạm Văn Thư — two commands do everything on a fresh Debian machine (as root):
#   make run    install what is missing, create the demo office under var/demo, start a local
#               reference hub on 127.0.0.1:8090 and serve the UI on 127.0.0.1:8080
#   make test   install what is missing, then lint, types, import rules and the whole suite
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := var/demo
STAMP_VENV := $(VENV)/.installed

.PHONY: run test deps system-deps venv demo lint typecheck imports pytest bench clean

run: deps demo
	@$(BIN)/vanthu hub serve --db $(DEMO)/hub/hub.db --port 8090 & hub=$$!; \
	trap 'kill $$hub 2>/dev/null' EXIT INT TERM; \
	$(BIN)/vanthu --config $(DEMO)/node.toml serve

test: deps lint typecheck imports pytest

deps: system-deps venv

system-deps:
	bash provisioning/install-system-deps.sh

venv: $(STAMP_VENV)
$(STAMP_VENV): pyproject.toml | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: deps
	$(BIN)/vanthu init --demo $(DEMO)

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy node/domain node/edxml node/store

imports:
	$(BIN)/lint-imports

pytest:
	CI=$${CI:-} $(BIN)/python -m pytest -q -p no:cacheprovider

bench: deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var tests/artifacts
