# The emulator tests and the commands that run things: `make test`,
# `make unit-test`, `make emu-test`, `make run`, `make deps`.
#
# An emulator test is a file tests/emu/NAME.test of key=value lines (see
# tests/run): which emulator boots which image from $(BUILD), and the result
# line expected. tests/run builds everything first, so these recipes only
# check the host and hand over to it.

EMU_TESTS := $(sort $(wildcard tests/emu/*.test))
emu_test_image = $(shell sed -n 's/^image=//p' $(1))
EMU_IMAGES := $(sort $(foreach t,$(EMU_TESTS),$(BUILD)/$(call emu_test_image,$(t))))

# The driver runs its own make: with `make -jN test` it shares our job
# server (hence the '+'), otherwise it builds two jobs at a time.
TEST_DRIVER = +@tests/run --build $(BUILD)

.PHONY: emu-test-build print-unit-tests
emu-test-build: $(EMU_IMAGES)

# For tests/run: the unit test binaries the build makes.
print-unit-tests:
	@echo $(UNIT_TESTS)

deps:
	@tools/deps

test: deps
	$(TEST_DRIVER)

unit-test: deps
	$(TEST_DRIVER) --unit

emu-test: deps
	$(TEST_DRIVER) --emu

# The product in an emulator, console in this terminal: QEMU + KVM where the
# host offers nested VT-x, Bochs elsewhere. Ctrl-C or the `q` key ends it.
run: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) hv $(BUILD)/hv-bios.iso
	tools/hvrun --interactive --emu auto --image $(BUILD)/hv-bios.iso
