/*
 * The boot configuration parser (format in config.h). The file is walked
 * twice: the first pass checks every line and finds default=, the second
 * stores the chosen section. Both passes run the same checks, so the
 * second cannot fail where the first succeeded.
 */
#include <stdarg.h>

#include "boot/efi/config.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

/* How much of a user's string an error message quotes. */
#define QUOTE_MAX 64
#define NAME_RULE "1..31 characters of A-Z a-z 0-9 _ . -"

/* A piece of the (not NUL terminated) configuration text. */
struct span {
	const char *p;
	size_t len;
};

enum section_kind {
	SECTION_NONE,
	SECTION_GLOBAL,
	SECTION_BOOT,
};

struct parser {
	const char *text;
	size_t len;
	const char *filename;
	const char *want; /* the section to store in cfg; NULL in the first pass */
	struct bootcfg *cfg;
	char *err;
	size_t errlen;

	unsigned int line;
	size_t line_start; /* offset of the current line, for the duplicate-section scan */
	enum section_kind kind;
	bool storing; /* the current section is want */
	bool found;   /* want was seen */

	unsigned int global_line; /* 0: no [global] yet */
	unsigned int default_line;
	struct span default_name;

	/* The current boot section, for its duplicate checks. */
	unsigned int hypervisor_line;
	unsigned int options_line;
	unsigned int nr_modules;
	char module_names[BOOT_MAX_MODULES][BOOTCFG_NAME_MAX];
	unsigned int module_lines[BOOT_MAX_MODULES];
};

static __printf(3, 4) int parse_error(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->filename, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int quote_len(struct span s)
{
	return (int)MIN(s.len, (size_t)QUOTE_MAX);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct span trim(struct span s)
{
	while (s.len && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Splits off the first blank-separated word of s; *rest is what follows, trimmed. */
static struct span first_word(struct span s, struct span *rest)
{
	struct span word = { s.p, 0 };

	while (word.len < s.len && !is_blank(s.p[word.len]))
		word.len++;
	*rest = trim((struct span){ s.p + word.len, s.len - word.len });
	return word;
}

static bool span_equals(struct span s, const char *str)
{
	return strlen(str) == s.len && memcmp(s.p, str, s.len) == 0;
}

/* The caller has checked that s fits. */
static void span_copy(char *dst, size_t size, struct span s)
{
	size_t n = MIN(s.len, size - 1);

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Section and module names: 1..31 of [A-Za-z0-9_.-]. */
static bool is_valid_name(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len >= BOOTCFG_NAME_MAX)
		return false;
	for (i = 0; i < s.len; i++)
		if (!is_name_char(s.p[i]))
			return false;
	return true;
}

/*
 * Returns the next line of text from *pos (without its '\n') and advances
 * *pos past it; false at the end of the text.
 */
static bool next_line(const char *text, size_t len, size_t *pos, struct span *line)
{
	size_t end = *pos;

	if (*pos >= len)
		return false;
	while (end < len && text[end] != '\n')
		end++;
	line->p = text + *pos;
	line->len = end - *pos;
	*pos = end < len ? end + 1 : len;
	return true;
}

/* Drops the comment and the surrounding blanks. */
static struct span strip_line(struct span line)
{
	size_t i;

	for (i = 0; i < line.len; i++) {
		if (line.p[i] == '#') {
			line.len = i;
			break;
		}
	}
	return trim(line);
}

/*
 * For a stripped line that starts with '[': the name between the brackets,
 * trimmed. Returns 0, or a reason when the header is malformed.
 */
static const char *header_name(struct span line, struct span *name)
{
	size_t close = 1;

	while (close < line.len && line.p[close] != ']')
		close++;
	if (close == line.len)
		return "unterminated section header";
	if (close + 1 != line.len)
		return "text after the section header";
	*name = trim((struct span){ line.p + 1, close - 1 });
	return NULL;
}

/* A UTF-8 byte order mark, as some Windows editors write, is not text. */
static size_t text_start(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* The line of the first [name] header before offset limit, or 0. */
static unsigned int find_header(const struct parser *p, struct span name, size_t limit)
{
	struct span line, other;
	unsigned int nr = 0;
	size_t pos = text_start(p->text, p->len);

	while (pos < limit && next_line(p->text, limit, &pos, &line)) {
		nr++;
		line = strip_line(line);
		if (line.len && line.p[0] == '[' && !header_name(line, &other) &&
		    other.len == name.len && memcmp(other.p, name.p, name.len) == 0)
			return nr;
	}
	return 0;
}

static int parse_header(struct parser *p, struct span line)
{
	struct bootcfg *cfg = p->cfg;
	const char *why;
	struct span name;
	unsigned int first;

	why = header_name(line, &name);
	if (why)
		return parse_error(p, p->line, "%s", why);
	if (!is_valid_name(name))
		return parse_error(p, p->line, "bad section name '%.*s' (" NAME_RULE ")",
				   quote_len(name), name.p);
	first = find_header(p, name, p->line_start);
	if (first)
		return parse_error(p, p->line, "duplicate section [%.*s] (first at line %u)",
				   quote_len(name), name.p, first);

	p->kind = span_equals(name, "global") ? SECTION_GLOBAL : SECTION_BOOT;
	if (p->kind == SECTION_GLOBAL)
		p->global_line = p->line;
	p->hypervisor_line = 0;
	p->options_line = 0;
	p->nr_modules = 0;
	p->storing = p->kind == SECTION_BOOT && p->want && span_equals(name, p->want);
	if (p->storing) {
		p->found = true;
		span_copy(cfg->section, sizeof(cfg->section), name);
		cfg->section_line = p->line;
		memcpy(cfg->hypervisor, BOOTCFG_DEFAULT_HYPERVISOR,
		       sizeof(BOOTCFG_DEFAULT_HYPERVISOR));
		cfg->hypervisor_line = p->line;
	}
	return 0;
}

/* File names: printable ASCII without blanks, short enough for the loader's buffers. */
static int check_file_name(struct parser *p, struct span file)
{
	size_t i;

	if (file.len >= BOOTCFG_FILE_MAX)
		return parse_error(p, p->line, "file name too long (%zu characters, max %u)",
				   file.len, BOOTCFG_FILE_MAX - 1);
	for (i = 0; i < file.len; i++)
		if (file.p[i] <= ' ' || file.p[i] > '~')
			return parse_error(p, p->line,
					   "bad file name '%.*s' (printable ASCII, no spaces)",
					   quote_len(file), file.p);
	return 0;
}

static int parse_global_key(struct parser *p, struct span key, struct span value)
{
	if (!span_equals(key, "default"))
		return parse_error(p, p->line, "unknown key '%.*s'", quote_len(key), key.p);
	if (p->default_line)
		return parse_error(p, p->line, "duplicate key 'default' (first at line %u)",
				   p->default_line);
	if (!value.len)
		return parse_error(p, p->line, "empty value for 'default'");
	p->default_line = p->line;
	p->default_name = value;
	return 0;
}

static int parse_hypervisor(struct parser *p, struct span value)
{
	int ret;

	if (p->hypervisor_line)
		return parse_error(p, p->line, "duplicate key 'hypervisor' (first at line %u)",
				   p->hypervisor_line);
	if (!value.len)
		return parse_error(p, p->line, "empty value for 'hypervisor'");
	ret = check_file_name(p, value);
	if (ret)
		return ret;

	p->hypervisor_line = p->line;
	if (p->storing) {
		span_copy(p->cfg->hypervisor, sizeof(p->cfg->hypervisor), value);
		p->cfg->hypervisor_line = p->line;
	}
	return 0;
}

static int parse_options(struct parser *p, struct span value)
{
	if (p->options_line)
		return parse_error(p, p->line, "duplicate key 'options' (first at line %u)",
				   p->options_line);
	if (value.len >= BOOT_CMDLINE_MAX)
		return parse_error(p, p->line, "options too long (%zu characters, max %u)",
				   value.len, BOOT_CMDLINE_MAX - 1);

	p->options_line = p->line;
	if (p->storing)
		span_copy(p->cfg->options, sizeof(p->cfg->options), value);
	return 0;
}

/* module=<name> <file> [command line] */
static int parse_module(struct parser *p, struct span value)
{
	struct bootcfg_module *mod;
	struct span name, file, cmdline, rest;
	unsigned int i;
	int ret;

	if (!value.len)
		return parse_error(p, p->line, "empty value for 'module'");
	name = first_word(value, &rest);
	file = first_word(rest, &cmdline);
	if (!is_valid_name(name))
		return parse_error(p, p->line, "bad module name '%.*s' (" NAME_RULE ")",
				   quote_len(name), name.p);
	if (!file.len)
		return parse_error(p, p->line, "module '%.*s' has no file", quote_len(name),
				   name.p);
	ret = check_file_name(p, file);
	if (ret)
		return ret;
	if (cmdline.len >= BOOT_MODULE_CMDLINE_MAX)
		return parse_error(p, p->line,
				   "command line of module '%.*s' too long "
				   "(%zu characters, max %u)",
				   quote_len(name), name.p, cmdline.len,
				   BOOT_MODULE_CMDLINE_MAX - 1);
	for (i = 0; i < p->nr_modules; i++)
		if (span_equals(name, p->module_names[i]))
			return parse_error(p, p->line,
					   "duplicate module name '%.*s' (first at line %u)",
					   quote_len(name), name.p, p->module_lines[i]);
	if (p->nr_modules == BOOT_MAX_MODULES)
		return parse_error(p, p->line, "too many modules (max %u)", BOOT_MAX_MODULES);

	span_copy(p->module_names[p->nr_modules], BOOTCFG_NAME_MAX, name);
	p->module_lines[p->nr_modules] = p->line;
	p->nr_modules++;
	if (p->storing) {
		mod = &p->cfg->modules[p->cfg->nr_modules++];
		span_copy(mod->name, sizeof(mod->name), name);
		span_copy(mod->file, sizeof(mod->file), file);
		span_copy(mod->cmdline, sizeof(mod->cmdline), cmdline);
		mod->line = p->line;
	}
	return 0;
}

static int parse_boot_key(struct parser *p, struct span key, struct span value)
{
	if (span_equals(key, "hypervisor"))
		return parse_hypervisor(p, value);
	if (span_equals(key, "options"))
		return parse_options(p, value);
	if (span_equals(key, "module"))
		return parse_module(p, value);
	return parse_error(p, p->line, "unknown key '%.*s'", quote_len(key), key.p);
}

static int parse_line(struct parser *p, struct span line)
{
	struct span key, value;
	size_t i;

	for (i = 0; i < line.len; i++)
		if (line.p[i] == '\0')
			return parse_error(p, p->line, "NUL byte in the file");
	line = strip_line(line);
	if (!line.len)
		return 0;
	if (line.p[0] == '[')
		return parse_header(p, line);

	for (i = 0; i < line.len && line.p[i] != '='; i++)
		;
	if (i == line.len)
		return parse_error(p, p->line, "malformed line (expected key=value or [section])");
	key = trim((struct span){ line.p, i });
	value = trim((struct span){ line.p + i + 1, line.len - i - 1 });
	if (!key.len)
		return parse_error(p, p->line, "malformed line (empty key)");

	switch (p->kind) {
	case SECTION_GLOBAL:
		return parse_global_key(p, key, value);
	case SECTION_BOOT:
		return parse_boot_key(p, key, value);
	default:
		return parse_error(p, p->line, "key '%.*s' outside any section", quote_len(key),
				   key.p);
	}
}

/* One walk over the whole file; stores the section p->want (if any) in p->cfg. */
static int parse_pass(struct parser *p)
{
	struct span line;
	size_t pos;
	int ret;

	p->line = 0;
	p->kind = SECTION_NONE;
	p->storing = false;
	p->found = false;
	p->global_line = 0;
	p->default_line = 0;
	memset(p->cfg, 0, sizeof(*p->cfg));

	for (pos = text_start(p->text, p->len); pos < p->len;) {
		p->line_start = pos;
		next_line(p->text, p->len, &pos, &line);
		p->line++;
		ret = parse_line(p, line);
		if (ret)
			return ret;
	}

	if (!p->global_line)
		return parse_error(p, 1, "no [global] section");
	if (!p->default_line)
		return parse_error(p, p->global_line, "no default= in [global]");
	return 0;
}

int bootcfg_parse(const char *text, size_t len, const char *filename, const char *section,
		  struct bootcfg *cfg, char *err, size_t errlen)
{
	char want[BOOTCFG_NAME_MAX];
	struct parser p = {
		.text = text,
		.len = len,
		.filename = filename,
		.cfg = cfg,
		.err = err,
		.errlen = errlen,
	};
	bool override = section && section[0];
	int ret;

	if (err && errlen)
		err[0] = '\0';

	/* Each pass clears cfg first, and only the second stores: a failure leaves it zeroed. */
	ret = parse_pass(&p);
	if (ret)
		return ret;

	/* A name too long to be a section matches none: leave want empty. */
	want[0] = '\0';
	if (override && strlen(section) < sizeof(want))
		memcpy(want, section, strlen(section) + 1);
	else if (!override && p.default_name.len < sizeof(want))
		span_copy(want, sizeof(want), p.default_name);

	p.want = want;
	ret = parse_pass(&p);
	if (ret || p.found)
		return ret;

	if (!override)
		return parse_error(&p, p.default_line, "default section '%.*s' does not exist",
				   quote_len(p.default_name), p.default_name.p);
	if (err && errlen)
		snprintf(err, errlen, "load options: no section [%.*s] in %s", QUOTE_MAX, section,
			 filename);
	return -EINVAL;
}
