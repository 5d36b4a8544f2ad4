/* The hypervisor command line; see cmdline.h for the options. */
#include "core/cmdline.h"
#include "core/config.h"
#include "core/errno.h"
#include "core/grant_table.h"
#include "core/lib/string.h"
#include "core/lib/vsnprintf.h"

#define OPTION_MAX 256

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
		if (d > max || v > (max - d) / base)
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

#define DOMAIN_DEFAULT_MEMORY (16UL * MiB)
#define DOMAIN_MAX_TIMEOUT_MS (24UL * 3600 * 1000)

/* A size with an optional K, M or G suffix. */
static bool parse_size(const char *s, uint64_t *out)
{
	char digits[24];
	size_t len = strlen(s);
	unsigned int shift = 0;
	uint64_t n;

	if (!len || len >= sizeof(digits))
		return false;
	switch (s[len - 1]) {
	case 'K': case 'k': shift = 10; len--; break;
	case 'M': case 'm': shift = 20; len--; break;
	case 'G': case 'g': shift = 30; len--; break;
	}
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (!parse_number(digits, UINT64_MAX >> shift, &n))
		return false;
	*out = n << shift;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= DOMAIN_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* The settings of domain=, each allowed once: a second value is an error, not a silent override. */
static const char *const domain_keys[] = { "kernel", "initrd", "memory", "vcpus", "cpu",
					   "timeout", "test", "gnttab_frames" };

static int parse_domain_field(struct domain_config *c, char *field, unsigned int *seen,
			      char *err, size_t errlen)
{
	char *eq = strchr(field, '=');
	char *value;
	uint64_t n;

	if (!eq) {
		snprintf(err, errlen, "domain '%s': '%s' is not key=value", c->name, field);
		return -EINVAL;
	}
	*eq = '\0';
	value = eq + 1;
	for (unsigned int i = 0; i < ARRAY_SIZE(domain_keys); i++) {
		if (strcmp(field, domain_keys[i]))
			continue;
		if (*seen & (1u << i)) {
			snprintf(err, errlen, "domain '%s': '%s' given twice", c->name, field);
			return -EINVAL;
		}
		*seen |= 1u << i;
	}
	if (!strcmp(field, "kernel") || !strcmp(field, "initrd")) {
		if (!valid_name(value) || strlen(value) >= BOOT_MODULE_NAME_MAX) {
			snprintf(err, errlen, "domain '%s': bad module name '%s'", c->name, value);
			return -EINVAL;
		}
		snprintf(field[0] == 'k' ? c->kernel : c->initrd, BOOT_MODULE_NAME_MAX, "%s", value);
	} else if (!strcmp(field, "memory")) {
		if (!parse_size(value, &n) || n < DOMAIN_MIN_MEMORY || n > DOMAIN_MAX_MEMORY ||
		    n % (2 * MiB)) {
			snprintf(err, errlen, "domain '%s': memory '%s' is not a multiple of 2M "
					      "from 2M to 3G", c->name, value);
			return -EINVAL;
		}
		c->memory = n;
	} else if (!strcmp(field, "vcpus")) {
		if (!parse_number(value, DOMAIN_MAX_VCPUS, &n) || !n) {
			snprintf(err, errlen, "domain '%s': vcpus '%s' is not from 1 to %u", c->name,
				 value, DOMAIN_MAX_VCPUS);
			return -EINVAL;
		}
		c->vcpus = (unsigned int)n;
	} else if (!strcmp(field, "cpu")) {
		if (!parse_number(value, HV_MAX_CPUS - 1, &n)) {
			snprintf(err, errlen, "domain '%s': cpu '%s' is not from 0 to %u", c->name,
				 value, HV_MAX_CPUS - 1);
			return -EINVAL;
		}
		c->cpu = (int)n;
	} else if (!strcmp(field, "timeout")) {
		if (!parse_number(value, DOMAIN_MAX_TIMEOUT_MS, &n) || !n) {
			snprintf(err, errlen, "domain '%s': timeout '%s' is not a number of ms from "
					      "1 to %lu", c->name, value, DOMAIN_MAX_TIMEOUT_MS);
			return -EINVAL;
		}
		c->timeout_ms = n;
	} else if (!strcmp(field, "gnttab_frames")) {
		if (!parse_number(value, GNTTAB_MAX_FRAMES, &n) || !n) {
			snprintf(err, errlen, "domain '%s': gnttab_frames '%s' is not from 1 to %u",
				 c->name, value, GNTTAB_MAX_FRAMES);
			return -EINVAL;
		}
		c->gnttab_frames = (unsigned int)n;
	} else if (!strcmp(field, "test")) {
		if (strcmp(value, "bad-guest-state")) {
			snprintf(err, errlen, "domain '%s': unknown test '%s' (bad-guest-state)",
				 c->name, value);
			return -EINVAL;
		}
		c->test_bad_guest_state = true;
	} else {
		snprintf(err, errlen, "domain '%s': unknown setting '%s'", c->name, field);
		return -EINVAL;
	}
	return 0;
}

/*
 * domain=NAME,kernel=MODULE[,memory=SIZE][,vcpus=N][,initrd=MODULE][,cpu=N][,timeout=MS]
 *        [,gnttab_frames=N]
 */
static int parse_domain(char *value, struct hv_options *opt, char *err, size_t errlen)
{
	struct domain_config *c;
	char *field = value, *next;
	unsigned int seen = 0;
	int rc;

	if (opt->nr_domains >= ARRAY_SIZE(opt->domains)) {
		snprintf(err, errlen, "domain: more than %zu domains", ARRAY_SIZE(opt->domains));
		return -EINVAL;
	}
	c = &opt->domains[opt->nr_domains];
	*c = (struct domain_config){ .memory = DOMAIN_DEFAULT_MEMORY, .vcpus = 1, .cpu = -1 };
	next = strchr(field, ',');
	if (next)
		*next++ = '\0';
	if (!valid_name(field)) {
		snprintf(err, errlen, "domain: bad name '%s' (1-%u of A-Z a-z 0-9 _ - .)", field,
			 DOMAIN_NAME_MAX - 1);
		return -EINVAL;
	}
	snprintf(c->name, sizeof(c->name), "%s", field);
	for (unsigned int i = 0; i < opt->nr_domains; i++) {
		if (!strcmp(opt->domains[i].name, c->name)) {
			snprintf(err, errlen, "domain: name '%s' used twice", c->name);
			return -EINVAL;
		}
	}
	while (next) {
		field = next;
		next = strchr(field, ',');
		if (next)
			*next++ = '\0';
		rc = parse_domain_field(c, field, &seen, err, errlen);
		if (rc)
			return rc;
	}
	if (!c->kernel[0]) {
		snprintf(err, errlen, "domain '%s': no kernel=MODULE", c->name);
		return -EINVAL;
	}
	opt->nr_domains++;
	return 0;
}

static int parse_option(char *key, char *value, struct hv_options *opt, char *err, size_t errlen)
{
	uint64_t n;

	if (!strcmp(key, "serial"))
		return parse_serial(value, opt, err, errlen);
	if (!strcmp(key, "domain"))
		return parse_domain(value, opt, err, errlen);
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
