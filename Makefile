# The hypervisor's build. `make` builds the hypervisor ELF, the UEFI loader
# and the boot images; `make test` runs every test; `make run` boots the
# hypervisor in an emulator with the console in this terminal.

BUILD ?= build
CC := gcc
OBJCOPY := objcopy
NM := nm

WARNINGS := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
COMMON_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -I. -ffreestanding -fno-stack-protector \
	-fno-strict-aliasing -fno-common -mno-red-zone -mgeneral-regs-only \
	-fno-tree-loop-distribute-patterns

# The hypervisor proper: linked at the top 2 GiB, runs wherever it was loaded.
HV_CFLAGS := $(COMMON_CFLAGS) -fno-pic -fno-pie -mcmodel=kernel -fno-omit-frame-pointer \
	-mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables -MMD -MP
HV_ASFLAGS := -I. -D__ASSEMBLY__ -MMD -MP
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments -T linker.ld

HV_SRCS := $(wildcard boot/*.c boot/*.S arch/x86/*.c arch/x86/*.S core/*.c core/lib/*.c \
	drivers/*.c)
HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(HV_SRCS))

.PHONY: all hv images test unit-test emu-test run bench format check clean deps
all: hv images

hv: $(BUILD)/hv.elf

$(BUILD)/hv/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_ASFLAGS) -c $< -o $@

# Symbol names for backtraces are linked into the image itself. The table's
# size depends only on the names, so a second pass with the table from the
# first gives final addresses, and the third pass links those in.
$(BUILD)/hv/symbols-%.o: $(BUILD)/hv/symbols-%.S
	$(CC) $(HV_ASFLAGS) -c $< -o $@
$(BUILD)/hv/symbols-0.S: tools/gensyms
	@mkdir -p $(dir $@)
	tools/gensyms /dev/null > $@
$(BUILD)/hv/symbols-1.S: $(BUILD)/hv/pass-0.elf tools/gensyms
	$(NM) -n --defined-only $< | tools/gensyms - > $@
$(BUILD)/hv/symbols-2.S: $(BUILD)/hv/pass-1.elf tools/gensyms
	$(NM) -n --defined-only $< | tools/gensyms - > $@
$(BUILD)/hv/pass-%.elf: $(HV_OBJS) $(BUILD)/hv/symbols-%.o linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(BUILD)/hv/symbols-$*.o
$(BUILD)/hv.elf: $(BUILD)/hv/pass-2.elf
	cp $< $@

-include $(HV_OBJS:.o=.d)
-include boot/efi/efi.mk
-include tools/images.mk
-include tests/unit/unit.mk
-include tests/emu/emu.mk
-include tests/guest/guest.mk

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
