/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of transports, looked up by the prefix of a target ("udp:...", "dpdk:..."). */
#include <stdio.h>
#include <string.h>

#include "gen/transport.h"

static const struct gen_transport_ops *const transports[] = {
	&gen_transport_udp,
	&gen_transport_tcp,
	&gen_transport_uds_dgram,
	&gen_transport_uds_stream,
	&gen_transport_uds_seqpacket,
#ifdef GEN_WITH_DPDK
	&gen_transport_dpdk,
#endif
};

const struct gen_transport_ops *
gen_transport_find(const char *target, char *err, size_t errlen)
{
	const char *colon = strchr(target, ':');
	size_t len = colon != NULL ? (size_t)(colon - target) : strlen(target);
	char names[128] = "";

	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		if (strlen(transports[i]->name) == len &&
		    strncmp(transports[i]->name, target, len) == 0)
			return transports[i];
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i > 0 ? ", " : "", transports[i]->name);
	}
	if (colon == NULL)
		snprintf(err, errlen,
			 "target '%s' names no transport: write TRANSPORT:ADDRESS with "
			 "TRANSPORT one of %s", target, names);
	else
		snprintf(err, errlen, "unknown transport '%.*s' in '%s' (known: %s)", (int)len,
			 target, target, names);
	return NULL;
}
