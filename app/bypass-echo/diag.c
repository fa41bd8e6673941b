/* SPDX-License-Identifier: BSD-3-Clause */
/* What bypass-echo tells its user: net_tap's kernel-side MAC, and drops a user can fix. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "common/log.h"
#include "echo.h"

/* A hint about one kind of drop is repeated at most this often while the drops go on. */
#define DIAG_HINT_INTERVAL_S 10
#define DIAG_NETNS_DIR "/run/netns"

bool
echo_is_tap(const struct echo_app *app)
{
	return strcmp(app->port.driver, "net_tap") == 0;
}

/* The kernel-side interface of a net_tap port (in our namespace): its name, 0 or -errno. */
static int
diag_tap_ifname(const struct echo_app *app, char name[IF_NAMESIZE])
{
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(app->port.port_id, &info);

	if (rc != 0)
		return rc;
	if (info.if_index == 0 || if_indextoname(info.if_index, name) == NULL)
		return -ENODEV;
	return 0;
}

static int
diag_hwaddr(const char *ifname, struct rte_ether_addr *mac, bool set)
{
	struct ifreq ifr = {0};
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (set) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	}
	if (ioctl(fd, set ? SIOCSIFHWADDR : SIOCGIFHWADDR, &ifr) != 0)
		rc = -errno;
	else if (!set)
		memcpy(mac->addr_bytes, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	close(fd);
	return rc;
}

/*
 * The MAC the kernel side should carry: ours with the last octet changed, locally administered
 * and unicast, so it can never be ours and reads as our peer.
 */
static void
diag_peer_mac(const struct rte_ether_addr *ours, struct rte_ether_addr *peer)
{
	*peer = *ours;
	peer->addr_bytes[0] = (uint8_t)((peer->addr_bytes[0] | 0x02) & ~0x01);
	peer->addr_bytes[5] ^= 0x01;
}

/* "ip -n NAME " when our network namespace is one of ip netns's, else "ip ". */
static void
diag_ip_cmd(char *buf, size_t len)
{
	struct stat self, st;
	struct dirent *d;
	char path[300];
	DIR *dir;

	snprintf(buf, len, "ip ");
	if (stat("/proc/self/ns/net", &self) != 0 || (dir = opendir(DIAG_NETNS_DIR)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DIAG_NETNS_DIR "/%s", d->d_name);
		if (stat(path, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
			snprintf(buf, len, "ip -n %s ", d->d_name);
			break;
		}
	}
	closedir(dir);
}

int
echo_tap_own_mac(struct echo_app *app)
{
	char ifname[IF_NAMESIZE], ours[RTE_ETHER_ADDR_FMT_SIZE], theirs[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_ether_addr peer;
	int rc;

	rc = diag_tap_ifname(app, ifname);
	if (rc != 0) {
		log_warn("net_tap: cannot find the kernel side of port %u (%s): its MAC is left as "
			 "the PMD set it", app->port.port_id, rte_strerror(-rc));
		return rc;
	}
	diag_peer_mac(&app->port.mac, &peer);
	rc = diag_hwaddr(ifname, &peer, true);
	rte_ether_format_addr(ours, sizeof(ours), &app->port.mac);
	rte_ether_format_addr(theirs, sizeof(theirs), &peer);
	if (rc != 0) {
		log_warn("net_tap: could not give %s its own MAC %s (SIOCSIFHWADDR: %s); frames "
			 "from it carry ours (%s) and are dropped: set it with "
			 "'ip link set %s address %s'", ifname, theirs, strerror(-rc), ours, ifname,
			 theirs);
		return rc;
	}
	printf("bypass-echo: net_tap: gave the kernel side %s its own MAC %s (ours is %s; "
	       "--keep-tap-mac leaves it alone)\n", ifname, theirs, ours);
	fflush(stdout);
	return 0;
}

/* The cause and the fix of eth_bad_src drops, as one line. */
static void
diag_bad_src(const struct echo_app *app, uint64_t n)
{
	char ifname[IF_NAMESIZE], ours[RTE_ETHER_ADDR_FMT_SIZE], peer_s[RTE_ETHER_ADDR_FMT_SIZE];
	char ip[64];
	struct rte_ether_addr kmac, peer;

	rte_ether_format_addr(ours, sizeof(ours), &app->port.mac);
	if (echo_is_tap(app) && diag_tap_ifname(app, ifname) == 0 &&
	    diag_hwaddr(ifname, &kmac, false) == 0 &&
	    rte_is_same_ether_addr(&kmac, &app->port.mac)) {
		diag_peer_mac(&app->port.mac, &peer);
		rte_ether_format_addr(peer_s, sizeof(peer_s), &peer);
		diag_ip_cmd(ip, sizeof(ip));
		log_warn("dropped %" PRIu64 " frame(s) whose source MAC is our own (eth_bad_src): "
			 "the tap's kernel side %s carries the port's MAC %s. Give it its own: "
			 "%slink set %s address %s", n, ifname, ours, ip, ifname, peer_s);
		return;
	}
	log_warn("dropped %" PRIu64 " frame(s) with a broadcast, multicast or our own source MAC "
		 "%s (eth_bad_src): if a device on this link uses our MAC, give it its own", n,
		 ours);
}

/* Drops a user can fix, each with one line that names the cause and the fix. */
static void
diag_hint(const struct echo_app *app, enum stack_verdict v, uint64_t n)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = app->conf.ip };

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	switch (v) {
	case STACK_DROP_ETH_BAD_SRC:
		diag_bad_src(app, n);
		break;
	case STACK_DROP_IP_NOT_FOR_US:
		log_warn("dropped %" PRIu64 " IPv4 packet(s) for an address that is not ours "
			 "(ip_not_for_us): we answer as %s; send to it, or start with "
			 "--ip ADDR/PREFIX", n, ip);
		break;
	case STACK_DROP_UDP_PORT_CLOSED:
		log_warn("dropped %" PRIu64 " UDP datagram(s) to a port we do not serve "
			 "(udp_port_closed): add it with --udp-port N (default 7)", n);
		break;
	case STACK_DROP_TCP_PORT_CLOSED:
		log_warn("refused %" PRIu64 " TCP segment(s) to a port we do not serve with a RST "
			 "(tcp_port_closed): add it with --tcp-port N (no TCP port by default)", n);
		break;
	case STACK_DROP_ARP_CONFLICT:
		log_warn("dropped %" PRIu64 " ARP packet(s) from another host claiming our address "
			 "%s (arp_conflict): give one of us another address", n, ip);
		break;
	default:
		break;
	}
}

void
echo_diag_check(struct echo_app *app, const struct echo_totals *t)
{
	static const enum stack_verdict fixable[] = {
		STACK_DROP_ETH_BAD_SRC, STACK_DROP_IP_NOT_FOR_US, STACK_DROP_UDP_PORT_CLOSED,
		STACK_DROP_TCP_PORT_CLOSED, STACK_DROP_ARP_CONFLICT,
	};
	uint64_t now = rte_get_tsc_cycles(), interval = rte_get_tsc_hz() * DIAG_HINT_INTERVAL_S;
	bool answered = t->stack.verdicts[STACK_REPLY_ICMP] + t->stack.verdicts[STACK_REPLY_UDP] +
			t->stack.verdicts[STACK_REPLY_TCP] > 0;

	for (size_t i = 0; i < RTE_DIM(fixable); i++) {
		enum stack_verdict v = fixable[i];
		uint64_t n = t->stack.verdicts[v];

		/* net_ring receives what it sends: our own announcements come back by design. */
		if (v == STACK_DROP_ETH_BAD_SRC && strcmp(app->port.driver, "net_ring") == 0)
			continue;
		/* The rest only while nothing has been answered yet: a setup that does not work. */
		if (v != STACK_DROP_ETH_BAD_SRC && answered)
			continue;
		if (n == app->diag_seen[v] ||
		    (app->diag_hint_tsc[v] != 0 && now - app->diag_hint_tsc[v] < interval))
			continue;
		diag_hint(app, v, n - app->diag_seen[v]);
		app->diag_seen[v] = n;
		app->diag_hint_tsc[v] = now;
	}
}
