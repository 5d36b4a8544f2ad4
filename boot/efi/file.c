/*
 * Files on the loader's own volume, through the Simple File System
 * protocol (UEFI 2.10 13.4, 13.5). Paths are UCS-2 with '\' separators.
 */
#include "boot/efi/loader.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

#define READ_CHUNK_SIZE (1 * MiB)

static EFI_GUID simple_fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

const char *efi_status_text(EFI_STATUS status)
{
	static const struct {
		EFI_STATUS status;
		const char *text;
	} texts[] = {
		{ EFI_SUCCESS, "success" },
		{ EFI_LOAD_ERROR, "load error" },
		{ EFI_INVALID_PARAMETER, "invalid parameter" },
		{ EFI_UNSUPPORTED, "unsupported" },
		{ EFI_BAD_BUFFER_SIZE, "bad buffer size" },
		{ EFI_BUFFER_TOO_SMALL, "buffer too small" },
		{ EFI_NOT_READY, "not ready" },
		{ EFI_DEVICE_ERROR, "device error" },
		{ EFI_WRITE_PROTECTED, "write protected" },
		{ EFI_OUT_OF_RESOURCES, "out of resources" },
		{ EFI_VOLUME_CORRUPTED, "volume corrupted" },
		{ EFI_VOLUME_FULL, "volume full" },
		{ EFI_NO_MEDIA, "no media" },
		{ EFI_MEDIA_CHANGED, "media changed" },
		{ EFI_NOT_FOUND, "not found" },
		{ EFI_ACCESS_DENIED, "access denied" },
		{ EFI_END_OF_FILE, "end of file" },
		{ EFI_SECURITY_VIOLATION, "security violation" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(texts); i++)
		if (texts[i].status == status)
			return texts[i].text;
	return "unexpected firmware error";
}

/* Device path nodes are byte packed: read their UCS-2 text a byte at a time. */
static CHAR16 read_char16(const UINT8 *p)
{
	return (CHAR16)(p[0] | (p[1] << 8));
}

/*
 * The directory part of the loader's FilePath: the text of its file-path
 * nodes joined with '\' (UEFI 2.10 10.3.5.4 allows several), without the
 * last component.
 */
static EFI_STATUS find_loader_dir(struct loader *ld, EFI_DEVICE_PATH *path)
{
	const UINT8 *text;
	size_t n = 0, last_sep = 0, i, len;
	CHAR16 c;

	while (path && !IsDevicePathEnd(path)) {
		len = DevicePathNodeLength(path);
		if (len < sizeof(*path))
			break;
		if (DevicePathType(path) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(path) == MEDIA_FILEPATH_DP) {
			text = (const UINT8 *)path + sizeof(*path);
			if (n + 1 >= LOADER_PATH_MAX)
				return loader_fail(ld, EFI_BAD_BUFFER_SIZE,
						   "loader path longer than %u characters",
						   LOADER_PATH_MAX);
			if (n && ld->dir[n - 1] != '\\') {
				last_sep = n;
				ld->dir[n++] = '\\';
			}
			for (i = 0; i + 1 < len - sizeof(*path); i += 2) {
				c = read_char16(text + i);
				if (!c)
					break;
				if (n + 1 >= LOADER_PATH_MAX)
					return loader_fail(ld, EFI_BAD_BUFFER_SIZE,
							   "loader path longer than %u characters",
							   LOADER_PATH_MAX);
				if (c == '/')
					c = '\\';
				if (c == '\\')
					last_sep = n;
				ld->dir[n++] = c;
			}
		}
		path = NextDevicePathNode(path);
	}
	/* "\EFI\BOOT\BOOTX64.EFI" -> "\EFI\BOOT"; "BOOTX64.EFI" or "\X.EFI" -> "" (the root). */
	ld->dir[last_sep] = 0;
	return EFI_SUCCESS;
}

EFI_STATUS loader_open_volume(struct loader *ld, EFI_LOADED_IMAGE *image)
{
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS status;

	status = ld->bs->HandleProtocol(image->DeviceHandle, &simple_fs_guid, (void **)&fs);
	if (EFI_ERROR(status))
		return loader_fail(ld, status, "the loader's device has no file system: %s",
				   efi_status_text(status));
	status = fs->OpenVolume(fs, &ld->root);
	if (EFI_ERROR(status))
		return loader_fail(ld, status, "cannot open the loader's volume: %s",
				   efi_status_text(status));
	return find_loader_dir(ld, image->FilePath);
}

void loader_dir_text(const struct loader *ld, char *buf, size_t size)
{
	size_t i;

	if (!size)
		return;
	for (i = 0; i + 1 < size && ld->dir[i]; i++)
		buf[i] = ld->dir[i] < 0x80 ? (char)ld->dir[i] : '?';
	buf[i] = '\0';
}

/*
 * dir\name in UCS-2, or name alone when it starts at the root; name was
 * checked by the config parser (printable ASCII).
 */
static bool build_path(const struct loader *ld, const char *name, CHAR16 *path)
{
	bool from_root = name[0] == '/' || name[0] == '\\';
	size_t n = 0, i;

	for (i = 0; !from_root && ld->dir[i]; i++)
		path[n++] = ld->dir[i];
	if (!from_root && n + 1 < LOADER_PATH_MAX)
		path[n++] = '\\';
	for (i = 0; name[i]; i++) {
		if (n + 1 >= LOADER_PATH_MAX)
			return false;
		path[n++] = name[i] == '/' ? '\\' : (CHAR16)(unsigned char)name[i];
	}
	path[n] = 0;
	return true;
}

EFI_STATUS loader_open_file(struct loader *ld, const char *name, EFI_FILE_HANDLE *file,
			    uint64_t *size)
{
	/* EFI_FILE_INFO ends in the file name: leave room for a long one. */
	UINT8 info_buf[SIZE_OF_EFI_FILE_INFO + LOADER_PATH_MAX * sizeof(CHAR16)] __aligned(8);
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	CHAR16 path[LOADER_PATH_MAX];
	UINTN info_size = sizeof(info_buf);
	EFI_FILE_HANDLE fh = NULL;
	EFI_STATUS status;

	*file = NULL;
	if (!build_path(ld, name, path))
		return EFI_BAD_BUFFER_SIZE;
	status = ld->root->Open(ld->root, &fh, path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(status))
		goto out;
	status = fh->GetInfo(fh, &file_info_guid, &info_size, info);
	if (EFI_ERROR(status))
		goto out;
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		status = EFI_NOT_FOUND;
		goto out;
	}
	*size = info->FileSize;
	*file = fh;
out:
	if (EFI_ERROR(status) && fh)
		fh->Close(fh);
	return status;
}

EFI_STATUS loader_read_file(EFI_FILE_HANDLE file, void *buf, uint64_t size)
{
	uint64_t done = 0;
	EFI_STATUS status;
	UINTN chunk;

	status = file->SetPosition(file, 0);
	/*
	 * The FAT driver may return less than asked for: read until done. Some
	 * firmware fails reads of many megabytes at once (Linux's EFI stub reads
	 * in 1 MiB pieces for that reason), so no read asks for more.
	 */
	while (!EFI_ERROR(status) && done < size) {
		chunk = MIN(size - done, READ_CHUNK_SIZE);
		status = file->Read(file, &chunk, (UINT8 *)buf + done);
		if (!EFI_ERROR(status) && chunk == 0)
			status = EFI_END_OF_FILE;
		done += chunk;
	}
	return status;
}
