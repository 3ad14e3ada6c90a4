# Tandem: the two quick-start commands are `make site` and `make test`.
# Both install what they need on a fresh Debian machine (as root, or with sudo).

SWIFT ?= swift
APT_PACKAGES := libcmark-gfm-dev libcmark-gfm-extensions-dev libcurl4-openssl-dev libyaml-dev pkg-config tzdata
PY_PACKAGES := networkx icalendar pyyaml aiosmtpd
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release

.PHONY: site test deps pydeps tandem unit crosscheck certificate site-check messages browser bench clean

## Build the demo portal: Content/ + Templates/ → Site/
site: deps tandem
	$(RELEASE_BIN)/tandem build .

## Run every test: Swift unit/property/end-to-end tests, the networkx cross-check,
## the check that the committed Site/ is exactly what the build produces, and the
## browser checks (Chromium, Nu HTML checker, axe-core).
test: deps pydeps unit crosscheck certificate site-check messages browser

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

pydeps:
	@python3 -c "import networkx, icalendar, yaml, aiosmtpd" 2>/dev/null || python3 -m pip install -q $(PY_PACKAGES)

tandem:
	$(SWIFT) build -c release --product tandem

unit: deps
	$(SWIFT) test

crosscheck: deps pydeps
	$(SWIFT) build -c release --product matching-bench
	python3 Tests/crosscheck/networkx_check.py $(RELEASE_BIN)/matching-bench

## The optimality certificates of `tandem match --json`, checked by an independent Python
## checker: on the demo (a fresh solve: its locks are left out) and on a generated
## 20,000-person portal (pruned top-k candidates).
certificate: deps tandem
	rm -rf .build/certificate && mkdir -p .build/certificate/demo
	cp -R Content .build/certificate/demo/ && rm -rf .build/certificate/demo/Content/matches
	python3 Tests/certificate/check_certificate.py --portal .build/certificate/demo --tandem $(RELEASE_BIN)/tandem --tampered
	python3 Benchmarks/make_portal.py 20000 .build/certificate/p20000
	python3 Tests/certificate/check_certificate.py --portal .build/certificate/p20000 --tandem $(RELEASE_BIN)/tandem

site-check: deps tandem
	$(RELEASE_BIN)/tandem build .
	python3 Tests/site/check_site.py Site
	git diff --exit-code --stat -- Site/ && test -z "$$(git status --porcelain -- Site/)" \
	  || (echo "Site/ differs from what 'tandem build' produces: rebuild and commit it"; exit 1)

## The outbox and `tandem send` against aiosmtpd on 127.0.0.1: intros, kill and resume,
## a refused recipient, a roster change.
messages: deps pydeps tandem
	python3 Tests/messages/check_send.py $(RELEASE_BIN)/tandem

## Open the demo site in headless Chromium: what a participant sees, print layout, screenshots
## (artifacts/screenshots/), the Nu HTML checker and axe-core. Installs what it needs.
browser: site-check
	python3 Tests/browser/check_browser.py Site

bench: deps tandem
	Benchmarks/run

clean:
	rm -rf .build
