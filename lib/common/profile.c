/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver profiles (drivers-conf/NAME.conf): EAL arguments and port settings for one PMD. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#ifndef BYPASSLAB_PROFILE_DIR
#define BYPASSLAB_PROFILE_DIR "drivers-conf"
#endif

#define PROFILE_DESC_DEFAULT 1024
#define PROFILE_LINK_WAIT_MS_DEFAULT 5000

void
profile_defaults(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->rx_desc = PROFILE_DESC_DEFAULT;
	p->tx_desc = PROFILE_DESC_DEFAULT;
	p->link_wait_ms = PROFILE_LINK_WAIT_MS_DEFAULT;
}

static char *
profile_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
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

int
profile_load(const char *name, struct profile *p, char *err, size_t errlen)
{
	char line[PROFILE_EAL_MAX + 64];
	int lineno = 0, rc = 0;
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
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq, *key, *val;

		lineno++;
		s = strchr(line, '#');
		if (s != NULL)
			*s = '\0';
		s = profile_trim(line);
		if (*s == '\0')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value', got '%s'", p->path,
				 lineno, s);
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		key = profile_trim(s);
		val = profile_trim(eq + 1);
		rc = profile_set(p, key, val);
		if (rc == -ENOENT) {
			snprintf(err, errlen,
				 "%s:%d: unknown key '%s' (known: eal, ip, rx_desc, tx_desc, mtu, "
				 "mbufs, promisc, link_wait_ms)", p->path, lineno, key);
			rc = -EINVAL;
			break;
		}
		if (rc != 0) {
			snprintf(err, errlen, "%s:%d: bad value '%s' for '%s'", p->path, lineno,
				 val, key);
			break;
		}
	}
	fclose(f);
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
