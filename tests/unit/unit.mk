# Host unit tests (cmocka). tests/unit/DIR/test_NAME.c tests DIR/NAME.c: the
# real source file is compiled in, with only its hardware edges replaced by
# the fakes in tests/unit/fakes/. A test names any further sources it needs
# on a line "unit-test-sources: a.c b.c" inside the test file.

UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -I. \
	-DHOST_UNIT_TEST -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
UNIT_TEST_SRCS := $(shell find tests/unit -name 'test_*.c' 2>/dev/null)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_TEST_SRCS))

unit_subject = $(patsubst tests/unit/%,%,$(dir $(1)))$(patsubst test_%,%,$(notdir $(1)))
unit_extra = $(shell sed -n 's/.*unit-test-sources:\(.*\)/\1/p' $(1))

.SECONDEXPANSION:
$(BUILD)/unit/%: tests/unit/%.c $$(call unit_subject,tests/unit/%.c) \
		$$(call unit_extra,tests/unit/%.c)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $^ -lcmocka

unit-test-build: $(UNIT_TESTS)

# core/lib/vsnprintf.c defines the C library's names: its test builds it
# renamed, so that libc's snprintf stays the oracle.
$(BUILD)/unit/core/lib/test_vsnprintf: tests/unit/core/lib/test_vsnprintf.c core/lib/vsnprintf.c \
		core/lib/vsnprintf.h tests/unit/unit.mk
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Dvsnprintf=rt_vsnprintf -Dsnprintf=rt_snprintf \
		-c core/lib/vsnprintf.c -o $@-vsnprintf.o
	$(CC) $(UNIT_CFLAGS) -o $@ $< $@-vsnprintf.o -lcmocka
