# ansai - see README.  `make` builds build/ansai (static, musl, BearSSL);
# `make test` runs the unit tests under ASan/UBSan, then the e2e tests in
# a throwaway systemd; `make demo` shows a heal end to end.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
UNITDIR	?= /etc/systemd/system
CONFDIR	?= /etc/ansai
DESTDIR	?=

VERSION	:= 0.1.0
CC_MUSL	?= musl-gcc
CC_SAN	?= gcc

WARN	:= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wformat=2 -Wvla -Wpointer-arith -Wstrict-prototypes
DEFS	:= -DANSAI_VERSION='"$(VERSION)"'
REL_CFLAGS := $(WARN) $(DEFS) -Os -ffunction-sections -fdata-sections \
	   -fstack-protector-strong -Ibuild/bearssl/inc
REL_LDFLAGS := -static -s -Wl,--gc-sections
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
SAN_CFLAGS := $(WARN) $(DEFS) -O1 -g $(SAN) -Ibuild/bearssl-san/inc

SRC	:= $(wildcard src/*.c)
REL_OBJ	:= $(SRC:src/%.c=build/rel/%.o)
SAN_OBJ	:= $(SRC:src/%.c=build/san/%.o)
LIB_SAN	:= $(filter-out build/san/main.o,$(SAN_OBJ))
TESTS	:= $(patsubst test/%.c,build/san/%,$(wildcard test/check_*.c))

BEARSSL	 := build/bearssl/libbearssl.a
BEARSSL_SAN := build/bearssl-san/libbearssl.a

.PHONY: all deps test unit e2e demo bench install uninstall clean

all: build/ansai

# build.sh installs Debian packages and builds BearSSL from Debian's
# source package; it does nothing when both are already there.
$(BEARSSL) $(BEARSSL_SAN): build.sh
	./build.sh deps
	@touch $(BEARSSL) $(BEARSSL_SAN)

deps: $(BEARSSL)

build/rel/%.o: src/%.c $(BEARSSL)
	@mkdir -p $(@D)
	@echo "CC    $<"
	@$(CC_MUSL) $(REL_CFLAGS) -MMD -MP -c $< -o $@

build/ansai: $(REL_OBJ) $(BEARSSL)
	@echo "LD    $@"
	@$(CC_MUSL) $(REL_LDFLAGS) -o $@ $(REL_OBJ) $(BEARSSL)
	@ls -l $@ | awk '{print "ansai: " $$5 " bytes, " $$9}'

build/san/%.o: src/%.c $(BEARSSL_SAN)
	@mkdir -p $(@D)
	@echo "CC    $< (sanitizers)"
	@$(CC_SAN) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

build/san/ansai: $(SAN_OBJ) $(BEARSSL_SAN)
	@echo "LD    $@ (sanitizers)"
	@$(CC_SAN) $(SAN) -o $@ $(SAN_OBJ) $(BEARSSL_SAN)

build/san/check_%: test/check_%.c $(LIB_SAN) $(BEARSSL_SAN)
	@echo "CC    $< (test, sanitizers)"
	@$(CC_SAN) $(SAN_CFLAGS) -Isrc -MMD -MP -o $@ $< $(LIB_SAN) \
	    $(BEARSSL_SAN) $$(pkg-config --cflags --libs check)

unit: $(TESTS) build/san/ansai
	ANSAI_SAN_BIN=build/san/ansai test/run-unit.sh $(TESTS)

e2e: build/ansai
	test/e2e/run.sh

# One closing line counts both suites, for people and for CI.
test: $(TESTS) build/san/ansai build/ansai
	test/run-all.sh $(TESTS)

demo: build/ansai
	test/demo.sh

bench: build/ansai
	test/bench/bench.sh

install: build/ansai
	install -D -m 0755 build/ansai $(DESTDIR)$(BINDIR)/ansai
	install -d $(DESTDIR)$(UNITDIR)
	for u in units/*.service units/*.timer; do \
	    [ -e "$$u" ] || continue; \
	    sed 's|/usr/local/bin/ansai|$(BINDIR)/ansai|g' "$$u" \
	        > $(DESTDIR)$(UNITDIR)/$$(basename "$$u"); \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename "$$u"); \
	done
	install -d -m 0755 $(DESTDIR)$(CONFDIR)
	[ -e $(DESTDIR)$(CONFDIR)/ansai.conf ] || \
	    install -m 0644 conf/ansai.conf $(DESTDIR)$(CONFDIR)/ansai.conf
	@echo "installed; now: systemctl daemon-reload && ansai enable UNIT"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ansai
	for u in units/*.service units/*.timer; do \
	    [ -e "$$u" ] || continue; \
	    rm -f $(DESTDIR)$(UNITDIR)/$$(basename "$$u"); \
	done

clean:
	rm -rf build/rel build/san build/ansai build/test

-include $(REL_OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(TESTS:=.d)
