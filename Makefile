# syft-code-queue: GNU make build.
#
#   make              build libscq and scq
#   make test         install missing deps, build, run every test (TAP, prove)
#   make demo         install missing deps, build, run the whole workflow on two
#                     simulated machines (make demo-local: in one data folder)
#   make bench        benchmarks (figures printed, never asserted)
#   make fuzz         libFuzzer targets, seeded (clang)
#   make DEVELOPER=1  -Werror and the curated warning list
#   make SANITIZE=address,undefined test
#
# Object files go to build/ (build-san/ for sanitizer builds), so switching
# flags never mixes objects; a flags stamp forces a rebuild on change.

CC ?= cc
PKGS = jansson libsodium libseccomp
PYTHON ?= python3
PROVE ?= prove

ifdef SANITIZE
B ?= build-san
else
B ?= build
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libcsv (Debian libcsv-dev; the output checks' CSV parser) ships no
# pkg-config file: its header is in /usr/include and it links as -lcsv.
PKG_LIBS += -lcsv

CFLAGS ?= -O2 -g
# -fvisibility=hidden: libscq is linked into other processes (the Python
# extension), so only what scq.h declares (SCQ_API) is visible from outside;
# static links (scq, the unit tests) still see everything.
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -fno-common -fvisibility=hidden -Iinclude -Isrc/lib \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong -Wall -Wextra $(PKG_CFLAGS)
DEV_WARN = -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wformat=2 -Wformat-security -Wwrite-strings \
	-Wpointer-arith -Wvla -Wimplicit-fallthrough -Wundef -Wno-format-nonliteral \
	-Werror
ifdef DEVELOPER
BASE_CFLAGS += $(DEV_WARN)
endif
ifdef SANITIZE
# float-cast-overflow is not part of GCC's "undefined": a hostile number
# cast to an integer (a sidecar's 1e300) must stop the sanitizer run too
SANITIZE_ALL = $(SANITIZE)$(if $(findstring undefined,$(SANITIZE)),$(comma)float-cast-overflow)
comma := ,
BASE_CFLAGS += -fsanitize=$(SANITIZE_ALL) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE_ALL)
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
# The scq command links jansson, libsodium and libseccomp statically when
# their archives are installed (Debian's -dev packages ship them): a short
# command like `scq submit` then spends less of its life in the loader.
STATIC_DEPS := $(shell for l in jansson sodium seccomp csv; do 	test -f /usr/lib/$$(gcc -print-multiarch 2>/dev/null)/lib$$l.a || exit 0; done; echo yes)
ifeq ($(STATIC_DEPS),yes)
CLI_LIBS = -Wl,-Bstatic $(PKG_LIBS) -Wl,-Bdynamic -lm
else
CLI_LIBS = $(LIBS)
endif
ifdef V
Q =
else
Q = @
endif
LIBS = $(PKG_LIBS) -lm

# The dashboard server, scq-ui (src/ui, doc/ui-api.md), is its own program
# so that only it links libmicrohttpd: `scq ui` runs it.
UI_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
UI_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null)

LIB_SRC := $(sort $(wildcard src/lib/*/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/t-*.c))
LIB_OBJ := $(LIB_SRC:src/lib/%.c=$(B)/lib/%.o) $(B)/lib/sandbox/init-image.o
CLI_OBJ := $(CLI_SRC:src/cli/%.c=$(B)/cli/%.o)
UI_SRC := $(sort $(wildcard src/ui/*.c))
UI_OBJ := $(UI_SRC:src/ui/%.c=$(B)/ui/%.o) $(B)/ui/bundle.o
UI_ASSETS := $(shell find src/ui/assets -type f 2>/dev/null)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TAP_OBJ := $(B)/tests/tap.o

all: $(B)/scq $(B)/scq-ui $(B)/libscq.a

$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LIBS) $(CLI_LIBS)' > $(B)/.flags.new
	@cmp -s $(B)/.flags.new $(B)/.flags || mv $(B)/.flags.new $(B)/.flags
	@rm -f $(B)/.flags.new

$(B)/lib/%.o: src/lib/%.c $(B)/.flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/cli/%.o: src/cli/%.c $(B)/.flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc/cli -MMD -MP -c -o $@ $<

$(B)/ui/%.o: src/ui/%.c $(B)/.flags
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(UI_CFLAGS) -Isrc/ui -MMD -MP -c -o $@ $<

# The pages (src/ui/assets/) embedded in scq-ui: the folder is a
# prerequisite too, so an added or removed file rebuilds the table.
$(B)/ui/bundle.S: scripts/ui-assets.sh src/ui/assets $(UI_ASSETS)
	@mkdir -p $(@D)
	$(Q)sh scripts/ui-assets.sh src/ui/assets $@

$(B)/ui/bundle.o: $(B)/ui/bundle.S
	$(Q)$(CC) -c -o $@ $<

$(B)/scq-ui: $(UI_OBJ) $(B)/libscq.a $(B)/.flags
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UI_OBJ) $(B)/libscq.a $(CLI_LIBS) $(UI_LIBS)

# The sandbox init: static, no C library, none of the library's flags
# (no sanitizers, no stack protector: it has no TLS), embedded in libscq.
INIT_CFLAGS = -std=c11 -Os -static -nostdlib -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-pie -no-pie \
	-Wl,--build-id=none -Wall -Wextra $(if $(DEVELOPER),$(DEV_WARN))
$(B)/init/scq-init: src/lib/sandbox/init/scq-init.c src/lib/sandbox/init/raw-syscall.h \
		src/lib/sandbox/sandbox-msg.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(INIT_CFLAGS) -o $@ $<

$(B)/lib/sandbox/init-image.o: src/lib/sandbox/init-image.S $(B)/init/scq-init
	@mkdir -p $(@D)
	$(Q)$(CC) -c -DSCQ_INIT_IMAGE='"$(B)/init/scq-init"' -o $@ $<

$(B)/libscq.a: $(LIB_OBJ)
	$(Q)rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(B)/scq: $(CLI_OBJ) $(B)/libscq.a $(B)/.flags
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libscq.a $(CLI_LIBS)

$(TAP_OBJ): tests/tap.c tests/tap.h $(B)/.flags
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -c -o $@ $<

$(B)/tests/t-%: tests/unit/t-%.c $(TAP_OBJ) $(B)/libscq.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(TAP_OBJ) $(B)/libscq.a $(LIBS)

# Programs may include only the public header: check it.
# The scq command reads the library's JSON through scq.h (scq_value, the
# typed job accessors) and links no JSON parser of its own: its sources
# compile with a jansson.h that stops the build, and name no json_ call.
NO_JANSSON = $(B)/no-jansson
check-layering: $(B)/libscq.a
	@$(PYTHON) scripts/check-layers.py $(B)/lib $(filter-out %/init-image.o,$(LIB_OBJ))
	@! grep -n '#include "' $(CLI_SRC) | grep -v -e '"cli.h"' -e '"scq.h"' \
		|| { echo "src/cli must include only scq.h and cli.h"; exit 1; }
	@! grep -n '#include "' $(UI_SRC) src/ui/*.h | grep -v -e '"ui.h"' -e '"ui-[a-z]*.h"' -e '"scq.h"' \
		|| { echo "src/ui must include only scq.h and its own ui*.h"; exit 1; }
	@! grep -nE '\bjson_[a-z_]+ *\(|\bjson_t\b|jansson' $(UI_SRC) src/ui/*.h \
		|| { echo "src/ui must not use jansson: read JSON through scq.h (scq_value)"; exit 1; }
	@for f in $(UI_SRC); do \
		$(CC) -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/ui -I$(NO_JANSSON) $(UI_CFLAGS) \
		-Werror=implicit-function-declaration -fsyntax-only $$f || exit 1; done
	@sh scripts/check-state-moves.sh
	@! grep -nE '\bjson_[a-z_]+ *\(|\bjson_t\b' $(CLI_SRC) src/cli/cli.h \
		|| { echo "src/cli must not use jansson: read JSON through scq.h (scq_value)"; exit 1; }
	@mkdir -p $(NO_JANSSON)
	@echo '#error "src/cli must not include jansson.h: read JSON through scq.h (scq_value)"' \
		> $(NO_JANSSON)/jansson.h
	@for f in $(CLI_SRC); do \
		$(CC) -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/cli -I$(NO_JANSSON) \
		-Werror=implicit-function-declaration -fsyntax-only $$f || exit 1; done

# What a process that loads libscq sees (scq.h, "Symbols"): a shared build
# of the whole library exports exactly the SCQ_API functions of scq.h, and
# the Python extension (python/Makefile.inc adds it) at most PyInit__scq and
# scq_*.  There is no shared libscq to install; this one is only checked.
SYMS_SO = $(B)/check/libscq.so
$(SYMS_SO): $(B)/libscq.a
	@mkdir -p $(@D)
	$(Q)$(CC) -shared $(LDFLAGS) -o $@ -Wl,--whole-archive $(B)/libscq.a -Wl,--no-whole-archive $(LIBS)
check-symbols: $(SYMS_SO)
	@sh scripts/check-symbols.sh include/scq.h $(SYMS_SO) $(PY_EXT_SO)

deps:
	@sh scripts/install-deps.sh

# What the tests need on top: the browser tests (t0600: classic Notebook;
# t0960: the dashboard) drive Debian's chromium with npm's playwright-core.
# The sync simulator (tests/sim/syncsim.py) reads syft.pub.yaml with python3-yaml.
# The Slurm tests (t10xx) run a cluster on 127.0.0.1 (scripts/slurm-up.sh).
# The dashboard's server test (t0950) talks to scq-ui with curl.
TEST_PKGS = curl chromium jupyter-notebook python3-ipywidgets python3-ipykernel strace python3-numpy \
	python3-yaml slurm-wlm munge
test-deps:
	@SCQ_EXTRA_PKGS="$(TEST_PKGS) $${SCQ_EXTRA_PKGS:-}" SCQ_NPM_DIRS=tests/browser \
		sh scripts/install-deps.sh

# The clock-stepping preload for tests (tests/shim/clockstep.c): built
# without sanitizers, it is loaded into an instrumented scq only as a shim.
SHIM = $(B)/tests/clockstep.so
$(SHIM): tests/shim/clockstep.c $(B)/.flags
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -O2 -fPIC -shared -Wall -Wextra $(if $(DEVELOPER),$(DEV_WARN)) -o $@ $< -ldl

unit: $(UNIT_BIN) $(SHIM)
integration: all

# The Python package is built first: some integration tests drive the
# library through it (SCQ_PYTHONPATH; a sanitizer build's is non-sanitized).
# The Slurm test cluster comes up first (a cluster that cannot start fails
# the run, loudly) and goes down at the end, whatever the tests said.
SLURM_TEST_DIR = /tmp/scq-slurm-test
test: test-deps
	$(MAKE) all unit check-layering python
	@conf=$$(sh scripts/slurm-up.sh $(SLURM_TEST_DIR)) || { echo "make test: the Slurm test cluster did not start" >&2; exit 1; }; \
	SLURM_CONF=$$conf SCQ_BUILD=$(abspath $(B)) SCQ_SANITIZE=$(SANITIZE) SCQ_PYTHONPATH=$(abspath $(PY_OUT)) \
		$(PROVE) -f --comments $(UNIT_BIN) tests/integration/t[0-9]*.sh; r=$$?; \
	sh scripts/slurm-down.sh $(SLURM_TEST_DIR); exit $$r
	$(MAKE) python-test
	$(MAKE) check-symbols

# The properties over many seeds (tests/sim/props.py): make test runs 200
# (t0920), this runs SCQ_SIM_SEEDS (default 5000) from SCQ_SIM_FIRST.
soak:
	@SCQ_EXTRA_PKGS="python3-yaml $${SCQ_EXTRA_PKGS:-}" sh scripts/install-deps.sh
	$(MAKE) all $(SHIM)
	SCQ_BUILD=$(abspath $(B)) SCQ_SIM_SEEDS=$${SCQ_SIM_SEEDS:-5000} \
		sh tests/integration/t0920-sim-properties.sh

# make demo: two machines, the sync simulator between them (python3-yaml);
# make demo-local: both identities in one data folder (scq demo)
demo:
	@SCQ_EXTRA_PKGS="python3-yaml $${SCQ_EXTRA_PKGS:-}" sh scripts/install-deps.sh
	$(MAKE) all
	SCQ=$(abspath $(B))/scq sh scripts/demo.sh
demo-local: deps
	$(MAKE) all
	SCQ=$(abspath $(B))/scq sh scripts/demo.sh --one-folder

bench: deps
	$(MAKE) all python
	SCQ_BUILD=$(abspath $(B)) sh bench/run.sh

-include python/Makefile.inc
-include tests/fuzz/Makefile.inc

clean:
	rm -rf build build-san build-fuzz

FORCE:
.PHONY: all deps test-deps unit integration test soak demo demo-local bench clean check-layering check-symbols FORCE
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UI_OBJ:.o=.d)
