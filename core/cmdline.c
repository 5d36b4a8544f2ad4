/* The hypervisor command line; see cmdline.h for the options. */
#include "core/cmdline.h"
#include "core/config.h"
#include "core/errno.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

#define OPTION_MAX 128

void cmdline_defaults(struct hv_options *opt)
{
	*opt = (struct hv_options){
		.serial_enabled = true,
		.serial_port = 0x3f8,
		.serial_baud = 115200,
		.loglvl = LOG_INFO,
		.maxcpus = HV_MAX_CPUS,
		.on_ready = ON_READY_CONSOLE,
	};
}

/* Parses a whole decimal or 0x-prefixed number; false on anything else. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static int parse_serial(char *value, struct hv_options *opt, char *err, size_t errlen)
{
	char *baud = strchr(value, ',');
	uint64_t n;

	if (baud)
		*baud++ = '\0';
	if (!strcmp(value, "none")) {
		if (baud)
			goto bad;
		opt->serial_enabled = false;
		return 0;
	}
	if (!strcmp(value, "com1"))
		opt->serial_port = 0x3f8;
	else if (!strcmp(value, "com2"))
		opt->serial_port = 0x2f8;
	else if (parse_number(value, 0xffff, &n) && n)
		opt->serial_port = (uint16_t)n;
	else
		goto bad;
	if (baud) {
		if (!parse_number(baud, 115200, &n) || n < 50 || 115200 % n)
			goto bad;
		opt->serial_baud = (uint32_t)n;
	}
	opt->serial_enabled = true;
	return 0;
bad:
	snprintf(err, errlen, "serial: bad value (want com1, com2, 0xPORT or none, "
			      "then optionally ,BAUD dividing 115200)");
	return -EINVAL;
}

static int parse_option(char *key, char *value, struct hv_options *opt, char *err, size_t errlen)
{
	uint64_t n;

	if (!strcmp(key, "serial"))
		return parse_serial(value, opt, err, errlen);
	if (!strcmp(key, "loglvl")) {
		if (!console_parse_level(value, &opt->loglvl))
			return 0;
		snprintf(err, errlen, "loglvl: unknown level '%s' (error, warn, info, debug)",
			 value);
		return -EINVAL;
	}
	if (!strcmp(key, "maxcpus")) {
		if (parse_number(value, HV_MAX_CPUS, &n) && n >= 1) {
			opt->maxcpus = (unsigned int)n;
			return 0;
		}
		snprintf(err, errlen, "maxcpus: '%s' is not a number from 1 to %u", value,
			 HV_MAX_CPUS);
		return -EINVAL;
	}
	if (!strcmp(key, "on_ready")) {
		if (!strcmp(value, "console"))
			opt->on_ready = ON_READY_CONSOLE;
		else if (!strcmp(value, "poweroff"))
			opt->on_ready = ON_READY_POWEROFF;
		else if (!strcmp(value, "halt"))
			opt->on_ready = ON_READY_HALT;
		else {
			snprintf(err, errlen, "on_ready: '%s' is not console, poweroff or halt",
				 value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "hvtest")) {
		if (!strcmp(value, "fault")) {
			opt->test_fault = true;
			return 0;
		}
		snprintf(err, errlen, "hvtest: unknown test '%s' (fault)", value);
		return -EINVAL;
	}
	snprintf(err, errlen, "unknown option '%s=%s'", key, value);
	return -EINVAL;
}

int cmdline_parse(const char *cmdline, struct hv_options *opt, char *err, size_t errlen)
{
	const char *p = cmdline;

	while (*p) {
		char word[OPTION_MAX];
		size_t len = 0;
		char *eq;
		int rc;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		while (p[len] && p[len] != ' ' && p[len] != '\t')
			len++;
		if (len >= sizeof(word)) {
			snprintf(err, errlen, "option '%.20s...' is longer than %u characters", p,
				 OPTION_MAX - 1);
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;

		eq = strchr(word, '=');
		if (!eq || eq == word || !eq[1]) {
			snprintf(err, errlen, "malformed option '%s' (want key=value)", word);
			return -EINVAL;
		}
		*eq = '\0';
		rc = parse_option(word, eq + 1, opt, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
