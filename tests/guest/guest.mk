# Guest test kernels, the Xen Test Framework's idea with our own code: each
# tests/guest/NAME.c is linked with the runtime in tests/guest/rt/ into
# $(BUILD)/guest/NAME.elf, a PVH kernel (ELF note XEN_ELFNOTE_PHYS32_ENTRY)
# loaded at physical 0x100000. The emulator tests tests/emu/guest-*.test boot
# them as domains (their GRUB configs name them /boot/guest/NAME.elf).
#
# make guests          builds every guest kernel
# make guest-selftest  boots each kernel in bare QEMU (no hypervisor): checks
#                      the runtime itself (tests/guest/qemu-selftest)
# make bench           boots the benchmark guest in Bochs (1 CPU) and prints
#                      its BENCH lines: VM-exit round trips in instructions

GUEST_CFLAGS := -std=gnu11 -m64 -O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-strict-aliasing -fno-common \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-I. -Itests/guest -MMD -MP
GUEST_ASFLAGS := -m64 -I. -Itests/guest -D__ASSEMBLY__ -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments --build-id=none -T tests/guest/guest.ld

GUEST_RT_SRCS := $(wildcard tests/guest/rt/*.c tests/guest/rt/*.S)
GUEST_LIB_SRCS := core/lib/string.c core/lib/vsnprintf.c
GUEST_RT_OBJS := $(patsubst tests/guest/%,$(BUILD)/guest/obj/%.o,$(GUEST_RT_SRCS)) \
	$(patsubst %,$(BUILD)/guest/obj/lib/%.o,$(GUEST_LIB_SRCS))
GUEST_NAMES := $(patsubst tests/guest/%.c,%,$(wildcard tests/guest/*.c))
GUEST_ELFS := $(patsubst %,$(BUILD)/guest/%.elf,$(GUEST_NAMES))

.PHONY: guests guest-selftest bench
all: guests
guests: $(GUEST_ELFS)

$(BUILD)/guest/obj/%.c.o: tests/guest/%.c tests/guest/guest.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

# The hypervisor's string and format functions, built for the guests too.
$(BUILD)/guest/obj/lib/%.c.o: %.c tests/guest/guest.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/obj/%.S.o: tests/guest/%.S tests/guest/guest.mk
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_ASFLAGS) -c $< -o $@

# Keep the objects: make would otherwise delete them as intermediate files.
.SECONDARY: $(GUEST_RT_OBJS) $(GUEST_NAMES:%=$(BUILD)/guest/obj/%.c.o)

$(BUILD)/guest/%.elf: $(BUILD)/guest/obj/%.c.o $(GUEST_RT_OBJS) tests/guest/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_RT_OBJS)

guest-selftest: $(GUEST_ELFS)
	tests/guest/qemu-selftest $(BUILD)/guest

# The benchmarks, in Bochs (one TSC tick is one emulated instruction): the
# VM-exit round trips on one CPU, then the event-channel ping-pong between
# two domains on one CPU and on two.
bench: $(BUILD)/iso/guest-bench.iso $(BUILD)/iso/guest-evtchn-pingpong.iso \
		$(BUILD)/iso/guest-evtchn-pingpong2.iso
	tools/bench --image $(BUILD)/iso/guest-bench.iso
	tools/bench --image $(BUILD)/iso/guest-evtchn-pingpong.iso --domain ping \
		--names evtchn_pingpong_1cpu
	tools/bench --image $(BUILD)/iso/guest-evtchn-pingpong2.iso --cpus 2 --domain ping \
		--names evtchn_pingpong_2cpu

-include $(GUEST_RT_OBJS:.o=.d) $(GUEST_NAMES:%=$(BUILD)/guest/obj/%.c.d)
