# GRUB boot images for legacy BIOS machines and for the emulator tests.
#
# $(BUILD)/hv-bios.iso          the product image, from tools/grub.cfg
# $(BUILD)/iso/NAME.iso         a test image, from tests/emu/NAME.grub.cfg
#
# Every image holds /boot/hv.elf and /boot/grub/grub.cfg. A test config may
# load more files with `module2 /boot/FILE NAME [args]`: FILE is taken from
# tests/emu/FILE when it exists there, else it is the build product $(BUILD)/FILE.
# The UEFI images ($(BUILD)/esp-NAME, $(BUILD)/usb-NAME.img) come from
# boot/efi/efi.mk.

GRUB_BIOS_DIR := /usr/lib/grub/i386-pc

# The files after /boot/ in the module2 lines of a GRUB config.
grub_cfg_files = $(shell sed -n \
	's|^[[:space:]]*module2[[:space:]][[:space:]]*/boot/\([^[:space:]]*\).*|\1|p' $(1))
grub_cfg_sources = $(foreach f,$(call grub_cfg_files,$(1)),\
	$(if $(wildcard tests/emu/$(f)),tests/emu/$(f),$(BUILD)/$(f)))

# Assembles the ISO tree in a private directory so that parallel builds of
# different images never share files. $(1): the grub.cfg.
define grub_iso_recipe
	@rm -rf $@.d && mkdir -p $@.d/boot/grub
	cp $(1) $@.d/boot/grub/grub.cfg
	cp $(BUILD)/hv.elf $@.d/boot/hv.elf
	@for f in $(call grub_cfg_files,$(1)); do \
		if [ -e tests/emu/$$f ]; then src=tests/emu/$$f; else src=$(BUILD)/$$f; fi; \
		mkdir -p $@.d/boot/$$(dirname $$f) && cp $$src $@.d/boot/$$f || exit 1; \
	done
	@grub-mkrescue -d $(GRUB_BIOS_DIR) -o $@.tmp $@.d > $@.log 2>&1 || \
		{ cat $@.log; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@ && rm -rf $@.d $@.log
	@echo "  ISO     $@"
endef

.PHONY: images
images: $(BUILD)/hv-bios.iso

$(BUILD)/hv-bios.iso: tools/grub.cfg $(BUILD)/hv.elf tools/images.mk
	@mkdir -p $(dir $@)
	$(call grub_iso_recipe,tools/grub.cfg)

.SECONDEXPANSION:
$(BUILD)/iso/%.iso: tests/emu/%.grub.cfg $(BUILD)/hv.elf tools/images.mk \
		$$(call grub_cfg_sources,tests/emu/$$*.grub.cfg)
	@mkdir -p $(dir $@)
	$(call grub_iso_recipe,$<)
