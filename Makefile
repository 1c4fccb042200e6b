# Set-up is two commands: `make run` and `make test`. Each creates .venv (Python >= 3.12) when missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint demo bench dist clean

$(PY):
	"$$(tools/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m caseview --demo

test: $(STAMP)
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

demo: $(STAMP)
	$(PY) resources/demo/build_demo.py

bench: $(STAMP)
	$(PY) -m bench

# The installer's one-folder build, dist/caseview/ (build.spec; docs/install.md for Windows and macOS).
dist: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dist]'
	rm -rf build/pyinstaller dist/caseview
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level ERROR \
		--workpath build/pyinstaller --distpath dist build.spec
	mkdir -p dist/caseview/share && cp packaging/linux/* dist/caseview/share/
	@du -sh dist/caseview

clean:
	rm -rf $(VENV) build dist .pytest_cache
