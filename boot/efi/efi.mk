# The UEFI loader and the UEFI boot images.
#
# $(BUILD)/BOOTX64.EFI          the loader (gnu-efi, no libefi: core/lib gives
#                               it memcpy and snprintf, and libefi would bring
#                               its own memcpy/memset)
# $(BUILD)/esp/                 the product ESP tree: EFI/BOOT/{BOOTX64.EFI,
#                               hv.elf, hv.cfg} with tools/hv.cfg as hv.cfg
# $(BUILD)/hv-usb.img           the same files in a GPT disk image with one
#                               FAT32 ESP, to write to a USB stick
# $(BUILD)/esp-NAME/            a test ESP, tests/emu/NAME.hv.cfg as hv.cfg
# $(BUILD)/usb-NAME.img         the same as a GPT disk image
#
# A test configuration's files (hypervisor= and module= lines) are copied
# into EFI/BOOT/ from tests/emu/FILE when it exists there, else from the build
# product $(BUILD)/FILE (as in tools/images.mk). A file the configuration
# must name but the image must not hold (to test the loader's "cannot open"
# error) is listed on a line `# esp-omit: FILE...` in the configuration.

EFI_LDS := /usr/lib/elf_x86_64_efi.lds
EFI_CRT0 := /usr/lib/crt0-efi-x86_64.o
EFI_LIBDIR := /usr/lib

# The gnu-efi ABI: PIC relocated by its own _relocate, UCS-2 wchar_t, and
# ms_abi protocol calls so that no uefi_call_wrapper is needed.
EFI_CFLAGS := $(COMMON_CFLAGS) -fpic -fshort-wchar -fvisibility=hidden \
	-DGNU_EFI_USE_MS_ABI -isystem /usr/include/efi -isystem /usr/include/efi/x86_64 \
	-MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined -z noexecstack \
	-T $(EFI_LDS)

EFI_SRCS := $(wildcard boot/efi/*.c) core/elf.c core/lib/string.c core/lib/vsnprintf.c
EFI_OBJS := $(patsubst %,$(BUILD)/efi/%.o,$(EFI_SRCS))

# The sections a PE image needs; .rela* and .reloc carry the relocations
# that _relocate applies at start-up (without them static pointers stay
# unrelocated, silently).
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
	-j '.rel.*' -j '.rela.*' -j .reloc

ESP_FILES = EFI/BOOT/BOOTX64.EFI EFI/BOOT/hv.elf EFI/BOOT/hv.cfg
USB_IMAGE_MIB := 64
# The ESP partition: from 1 MiB, 62 MiB long, leaving room for the backup GPT.
USB_PART_START := 2048
USB_PART_MIB := 62
# Fixed identifiers, so that two builds of an image differ only in file times.
USB_DISK_GUID := 8d1c6a46-5d0e-4b5c-9f5e-48564c4f4144
USB_PART_GUID := 8d1c6a46-5d0e-4b5c-9f5e-48564c4f4553
USB_VOLUME_ID := 48564846

.PHONY: efi esp-images
efi: $(BUILD)/BOOTX64.EFI
esp-images: $(BUILD)/esp $(BUILD)/hv-usb.img
images: esp-images

$(BUILD)/efi/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

# _relocate handles R_X86_64_RELATIVE only: any other dynamic relocation
# would be left undone at run time, so it fails the build instead.
$(BUILD)/efi/loader.so: $(EFI_OBJS) $(EFI_LDS) $(EFI_CRT0) boot/efi/efi.mk
	$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $(EFI_OBJS) -L$(EFI_LIBDIR) -lgnuefi -o $@.tmp
	@bad=$$(readelf -rW $@.tmp | awk '/^ *[0-9a-f]+ +[0-9a-f]+ +R_X86_64_/ && \
		$$3 != "R_X86_64_RELATIVE" && $$3 != "R_X86_64_NONE" { print $$3 }' | sort -u); \
	if [ -n "$$bad" ]; then \
		echo "$@: relocations gnu-efi cannot apply: $$bad" >&2; rm -f $@.tmp; exit 1; \
	fi
	@mv $@.tmp $@

$(BUILD)/BOOTX64.EFI: $(BUILD)/efi/loader.so
	$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJS:.o=.d)

# The files after hypervisor= and module=<name> in a configuration, less
# those on `# esp-omit:` lines.
hv_cfg_omitted = $(shell sed -n 's/^[[:space:]]*#[[:space:]]*esp-omit:\(.*\)/\1/p' $(1))
hv_cfg_sp := [[:space:]]
hv_cfg_word := [^[:space:]\#]
hv_cfg_key = ^$(hv_cfg_sp)*$(1)$(hv_cfg_sp)*=$(hv_cfg_sp)*
hv_cfg_files = $(sort $(filter-out $(call hv_cfg_omitted,$(1)),$(shell sed -n \
	-e 's/$(call hv_cfg_key,hypervisor)\($(hv_cfg_word)*\).*/\1/p' \
	-e 's/$(call hv_cfg_key,module)$(hv_cfg_word)*$(hv_cfg_sp)*\($(hv_cfg_word)*\).*/\1/p' \
	$(1))))
hv_cfg_sources = $(foreach f,$(call hv_cfg_files,$(1)),\
	$(if $(wildcard tests/emu/$(f)),tests/emu/$(f),$(BUILD)/$(f)))

# Assembles an ESP tree at $@ from the configuration $(1), in a private
# directory renamed into place so that a failed build leaves no half tree.
define esp_tree_recipe
	@rm -rf $@.tmp && mkdir -p $@.tmp/EFI/BOOT
	cp $(BUILD)/BOOTX64.EFI $(BUILD)/hv.elf $@.tmp/EFI/BOOT/
	cp $(1) $@.tmp/EFI/BOOT/hv.cfg
	@for f in $(call hv_cfg_files,$(1)); do \
		case "$$f" in /*|\\*) dst=$@.tmp/$${f#?} ;; *) dst=$@.tmp/EFI/BOOT/$$f ;; esac; \
		if [ -e tests/emu/$$f ]; then src=tests/emu/$$f; else src=$(BUILD)/$$f; fi; \
		mkdir -p $$(dirname $$dst) && cp $$src $$dst || exit 1; \
	done
	@rm -rf $@ && mv $@.tmp $@
	@echo "  ESP     $@"
endef

# A GPT disk with one FAT32 EFI system partition holding the tree $(1).
# mtools writes into the partition image, so no root and no loop device.
define usb_image_recipe
	@rm -f $@.tmp $@.part
	truncate -s $(USB_IMAGE_MIB)M $@.tmp
	sgdisk --clear --disk-guid=$(USB_DISK_GUID) \
		--new=1:$(USB_PART_START):+$(USB_PART_MIB)M --typecode=1:ef00 \
		--partition-guid=1:$(USB_PART_GUID) --change-name=1:"EFI system partition" \
		$@.tmp > /dev/null
	mkfs.vfat -C -F 32 -S 512 -s 1 -n HVBOOT -i $(USB_VOLUME_ID) $@.part \
		$$(($(USB_PART_MIB) * 1024)) > /dev/null
	mcopy -s -Q -i $@.part $(1)/EFI ::/
	dd if=$@.part of=$@.tmp bs=512 seek=$(USB_PART_START) conv=notrunc status=none
	@rm -f $@.part && mv $@.tmp $@
	@echo "  USB     $@"
endef

$(BUILD)/esp: $(BUILD)/BOOTX64.EFI $(BUILD)/hv.elf tools/hv.cfg boot/efi/efi.mk
	$(call esp_tree_recipe,tools/hv.cfg)

$(BUILD)/hv-usb.img: $(BUILD)/esp boot/efi/efi.mk
	$(call usb_image_recipe,$<)

.SECONDEXPANSION:
$(BUILD)/esp-%: tests/emu/%.hv.cfg $(BUILD)/BOOTX64.EFI $(BUILD)/hv.elf boot/efi/efi.mk \
		$$(call hv_cfg_sources,tests/emu/$$*.hv.cfg)
	$(call esp_tree_recipe,$<)

$(BUILD)/usb-%.img: $(BUILD)/esp-% boot/efi/efi.mk
	$(call usb_image_recipe,$<)
