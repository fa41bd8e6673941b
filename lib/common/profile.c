/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver profiles (drivers-conf/NAME.conf): EAL arguments and port settings for one PMD. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "profile.h"

#ifndef BYPASSLAB_PROFILE_DIR
#define BYPASSLAB_PROFILE_DIR "drivers-conf"
#endif

#define PROFILE_DESC_DEFAULT 1024
#define PROFILE_LINK_WAIT_MS_DEFAULT 5000
#define PROFILE_COMMENT '#'
/* The longest line rte_cfgfile reads whole (its buffer holds name, value, " = " and '\n'). */
#define PROFILE_LINE_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 2)
#define PROFILE_ENTRIES_MAX 64
#define PROFILE_KNOWN_KEYS "eal, ip, rx_desc, tx_desc, mtu, mbufs, promisc, link_wait_ms"

void
profile_defaults(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->rx_desc = PROFILE_DESC_DEFAULT;
	p->tx_desc = PROFILE_DESC_DEFAULT;
	p->link_wait_ms = PROFILE_LINK_WAIT_MS_DEFAULT;
}

static int
profile_uint(const char *val, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(val, &end, 0);
	return (end == val || *end != '\0' || errno != 0 || *out > max) ? -EINVAL : 0;
}

static int
profile_bool(const char *val, bool *out)
{
	if (!strcmp(val, "on") || !strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1"))
		*out = true;
	else if (!strcmp(val, "off") || !strcmp(val, "no") || !strcmp(val, "false") ||
		 !strcmp(val, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Apply one key; returns 0, -ENOENT for an unknown key, -EINVAL for a bad value. */
static int
profile_set(struct profile *p, const char *key, const char *val)
{
	unsigned long v;
	int rc;

	if (!strcmp(key, "eal")) {
		if (strlen(val) >= sizeof(p->eal))
			return -EINVAL;
		strcpy(p->eal, val);
		return 0;
	}
	if (!strcmp(key, "ip")) {
		if (strlen(val) >= sizeof(p->ip))
			return -EINVAL;
		strcpy(p->ip, val);
		return 0;
	}
	if (!strcmp(key, "promisc"))
		return profile_bool(val, &p->promisc);
	if (!strcmp(key, "rx_desc") || !strcmp(key, "tx_desc") || !strcmp(key, "mtu")) {
		rc = profile_uint(val, UINT16_MAX, &v);
		if (rc == 0 && key[0] == 'r')
			p->rx_desc = (uint16_t)v;
		else if (rc == 0 && key[0] == 't')
			p->tx_desc = (uint16_t)v;
		else if (rc == 0)
			p->mtu = (uint16_t)v;
		return rc;
	}
	if (!strcmp(key, "mbufs") || !strcmp(key, "link_wait_ms")) {
		rc = profile_uint(val, UINT32_MAX, &v);
		if (rc == 0 && key[0] == 'm')
			p->mbufs = (uint32_t)v;
		else if (rc == 0)
			p->link_wait_ms = (uint32_t)v;
		return rc;
	}
	return -ENOENT;
}

/* What a key's value must look like, for the error line. */
static const char *
profile_expected(const char *key)
{
	if (!strcmp(key, "promisc"))
		return "on/off, yes/no, true/false or 1/0";
	if (!strcmp(key, "mbufs") || !strcmp(key, "link_wait_ms"))
		return "an integer from 0 to 4294967295";
	if (!strcmp(key, "eal"))
		return "EAL arguments shorter than " RTE_STR(PROFILE_EAL_MAX) " characters";
	if (!strcmp(key, "ip"))
		return "ADDRESS/PREFIX, e.g. 198.18.0.2/24";
	return "an integer from 0 to 65535";
}

static void
profile_resolve(const char *name, char *path, size_t len)
{
	const char *dir = getenv("BYPASSLAB_PROFILE_DIR");

	if (strchr(name, '/') != NULL) {
		snprintf(path, len, "%s", name);
		return;
	}
	snprintf(path, len, "%s/%s%s", dir != NULL ? dir : BYPASSLAB_PROFILE_DIR, name,
		 strstr(name, ".conf") != NULL ? "" : ".conf");
}

/*
 * rte_cfgfile parses the file but reports no line numbers, silently skips a line without '='
 * ("promisc on" would just vanish) and cuts long lines short. This pass finds those lines before
 * rte_cfgfile reads the file, and records the line of each entry in the order rte_cfgfile will
 * list them, so errors can still say file:line. Returns the number of entries, or -EINVAL with
 * the error written to err.
 */
static int
profile_lines(FILE *f, const char *path, int *entry_line, int max, char *err, size_t errlen)
{
	char line[PROFILE_LINE_MAX + 2];
	int lineno = 0, n = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *s = line, *c;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%d: line longer than %d characters", path, lineno,
				 PROFILE_LINE_MAX);
			return -EINVAL;
		}
		c = strchr(line, PROFILE_COMMENT);
		if (c != NULL)
			*c = '\0';
		s += strspn(s, " \t\r\n\v\f");
		len = strcspn(s, "\r\n");
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		s[len] = '\0';
		if (*s == '\0')
			continue;
		if (*s == '[' || strchr(s, '=') == NULL || *s == '=') {
			snprintf(err, errlen, "%s:%d: expected 'key = value'%s, got '%s'", path,
				 lineno, *s == '[' ? " (profiles have no [sections])" : "", s);
			return -EINVAL;
		}
		if (n == max) {
			snprintf(err, errlen, "%s:%d: more than %d settings", path, lineno, max);
			return -EINVAL;
		}
		entry_line[n++] = lineno;
	}
	return n;
}

int
profile_load(const char *name, struct profile *p, char *err, size_t errlen)
{
	static const struct rte_cfgfile_parameters params = {
		.comment_character = PROFILE_COMMENT,
	};
	struct rte_cfgfile_entry entries[PROFILE_ENTRIES_MAX];
	int entry_line[PROFILE_ENTRIES_MAX];
	struct rte_cfgfile *cfg;
	int n, rc = 0;
	FILE *f;

	profile_defaults(p);
	profile_resolve(name, p->path, sizeof(p->path));
	f = fopen(p->path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen,
			 "profile '%s': cannot open %s: %s (profiles live in drivers-conf/; "
			 "give a path or one of their names, e.g. net_tap)",
			 name, p->path, strerror(errno));
		return rc;
	}
	n = profile_lines(f, p->path, entry_line, PROFILE_ENTRIES_MAX, err, errlen);
	fclose(f);
	if (n < 0)
		return n;
	/* Empty values are allowed: "ip =" means no address, as it always has. */
	cfg = rte_cfgfile_load_with_params(p->path, CFG_FLAG_GLOBAL_SECTION | CFG_FLAG_EMPTY_VALUES,
					   &params);
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: rte_cfgfile could not read it (out of memory, or "
			 "changed while read)", p->path);
		return -EIO;
	}
	if (rte_cfgfile_section_entries(cfg, "GLOBAL", entries, PROFILE_ENTRIES_MAX) != n) {
		snprintf(err, errlen, "%s: rte_cfgfile read a different number of settings than "
			 "the file has lines with '=' (%d)", p->path, n);
		rc = -EIO;
		goto out_close;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		const char *key = entries[i].name, *val = entries[i].value;

		/* rte_cfgfile truncates what does not fit its fixed-size fields. */
		if (strlen(val) >= CFG_VALUE_LEN - 1 || strlen(key) >= CFG_NAME_LEN - 1) {
			snprintf(err, errlen, "%s:%d: '%.20s...': key or value too long (keys "
				 "take at most %d characters, values %d)", p->path, entry_line[i],
				 key, CFG_NAME_LEN - 2, CFG_VALUE_LEN - 2);
			rc = -EINVAL;
			break;
		}
		rc = profile_set(p, key, val);
		if (rc == -ENOENT) {
			snprintf(err, errlen, "%s:%d: unknown key '%s' (known: " PROFILE_KNOWN_KEYS
				 ")", p->path, entry_line[i], key);
			rc = -EINVAL;
		} else if (rc != 0) {
			snprintf(err, errlen, "%s:%d: bad value '%s' for '%s': expected %s",
				 p->path, entry_line[i], val, key, profile_expected(key));
		}
	}
out_close:
	rte_cfgfile_close(cfg);
	return rc;
}

int
profile_eal_argv(const struct profile *p, char *buf, char **argv, int max)
{
	int n = 0;

	strcpy(buf, p->eal);
	for (char *tok = strtok(buf, " \t"); tok != NULL && n < max; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	return n;
}
