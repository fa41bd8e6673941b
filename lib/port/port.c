/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK port setup from a driver profile: queues, RSS, offloads, NUMA-local mempools, link. */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "common/json.h"
#include "common/log.h"
#include "port.h"

#define PORT_MBUF_CACHE 256
#define PORT_POOL_SPARE 1024 /* mbufs beyond the floor in a pool sized here */
#define PORT_LINK_POLL_US 100000
/* RSS hashes the flows of an echo workload: addresses and UDP/TCP ports. */
#define PORT_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP)

/*
 * The most mbufs that can be out of a pool at once: full RX and TX rings and a burst in hand per
 * queue, and every lcore's cache (which may hold up to 1.5 times its size), the main lcore's too.
 * A smaller pool runs dry with frames waiting; net_tap in DPDK 22.11 then stops reading for good.
 */
static uint32_t
port_pool_floor(const struct port_conf *conf, unsigned int queues_on_socket)
{
	return queues_on_socket * (conf->rx_desc + conf->tx_desc + 2 * PORT_BURST_MAX +
				   conf->extra_mbufs) +
	       (queues_on_socket + 1) * PORT_MBUF_CACHE * 3 / 2;
}

static uint32_t
port_pool_size(const struct port_conf *conf, unsigned int queues_on_socket)
{
	if (conf->mbufs != 0)
		return conf->mbufs;
	/* The floor and some spare; mempools are most compact at 2^n - 1. */
	return rte_align32pow2(port_pool_floor(conf, queues_on_socket) + PORT_POOL_SPARE) - 1;
}

static int
port_pools_create(const struct port_conf *conf, struct port *port, char *err, size_t errlen)
{
	unsigned int on_socket[RTE_MAX_NUMA_NODES] = {0};

	for (uint16_t q = 0; q < conf->nb_queues; q++) {
		unsigned int s = rte_lcore_to_socket_id(conf->queue_lcore[q]);

		on_socket[s < RTE_MAX_NUMA_NODES ? s : 0]++;
		if (port->socket >= 0 && (int)s != port->socket)
			log_warn("lcore %u polls port %u across NUMA sockets (lcore on %u, port on "
				 "%d): expect lower throughput; pick lcores on socket %d",
				 conf->queue_lcore[q], port->port_id, s, port->socket,
				 port->socket);
	}
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];

		if (on_socket[s] == 0)
			continue;
		if (conf->mbufs != 0 && conf->mbufs < port_pool_floor(conf, on_socket[s])) {
			snprintf(err, errlen,
				 "mbufs = %u is too few for %u queue(s) of %u RX and %u TX "
				 "descriptors: the pool would run dry with frames waiting; give at "
				 "least %u, or leave 'mbufs' out of the profile to have it sized",
				 conf->mbufs, on_socket[s], conf->rx_desc, conf->tx_desc,
				 port_pool_floor(conf, on_socket[s]));
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "bl_p%u_s%u", port->port_id, s);
		port->pools[s] = rte_pktmbuf_pool_create(name, port_pool_size(conf, on_socket[s]),
							 PORT_MBUF_CACHE, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, (int)s);
		if (port->pools[s] == NULL) {
			snprintf(err, errlen,
				 "mempool %s (%u mbufs on socket %u): %s; reserve more hugepages "
				 "(scripts/lab setup) or lower 'mbufs' in the profile",
				 name, port_pool_size(conf, on_socket[s]), s,
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	for (uint16_t q = 0; q < conf->nb_queues; q++) {
		unsigned int s = rte_lcore_to_socket_id(conf->queue_lcore[q]);

		port->queue_pool[q] = port->pools[s < RTE_MAX_NUMA_NODES ? s : 0];
	}
	return 0;
}

/* Ask only for what the device offers: virtual NICs reject what they cannot do. */
static void
port_negotiate(const struct rte_eth_dev_info *info, const struct port_conf *conf,
	       struct rte_eth_conf *ec, struct port *port)
{
	uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;

	memset(ec, 0, sizeof(*ec));
	if (conf->nb_queues > 1 && (info->flow_type_rss_offloads & PORT_RSS_HF) != 0) {
		ec->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec->rx_adv_conf.rss_conf.rss_hf = info->flow_type_rss_offloads & PORT_RSS_HF;
		port->rss = true;
	}
	if ((info->rx_offload_capa & rx_ck) != 0) {
		ec->rxmode.offloads |= info->rx_offload_capa & rx_ck;
		port->rx_cksum_offload = true;
	}
	/* Replies are the received mbufs, one pool per queue, refcnt 1: fast free holds, unless
	 * the caller keeps references to what it sends. */
	if ((info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) && !conf->tx_refcnt)
		ec->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
}

static int
port_queues_setup(const struct port_conf *conf, struct port *port, const struct rte_eth_conf *ec,
		  const struct rte_eth_dev_info *info, char *err, size_t errlen)
{
	uint16_t rx_desc = conf->rx_desc, tx_desc = conf->tx_desc;
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port->port_id, &rx_desc, &tx_desc);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: descriptor counts %u/%u: %s", port->port_id,
			 conf->rx_desc, conf->tx_desc, rte_strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < conf->nb_queues; q++) {
		struct rte_eth_rxconf rxc = info->default_rxconf;
		struct rte_eth_txconf txc = info->default_txconf;
		int sock = (int)rte_lcore_to_socket_id(conf->queue_lcore[q]);

		rxc.offloads = ec->rxmode.offloads;
		txc.offloads = ec->txmode.offloads;
		rc = rte_eth_rx_queue_setup(port->port_id, q, rx_desc, sock, &rxc,
					    port->queue_pool[q]);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: RX queue %u (%u descriptors): %s",
				 port->port_id, q, rx_desc, rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port->port_id, q, tx_desc, sock, &txc);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: TX queue %u (%u descriptors): %s",
				 port->port_id, q, tx_desc, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int
port_setup(const struct port_conf *conf, struct port *port, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	int rc;

	memset(port, 0, sizeof(*port));
	port->port_id = conf->port_id;
	port->nb_queues = conf->nb_queues;
	if (!rte_eth_dev_is_valid_port(conf->port_id)) {
		snprintf(err, errlen, "port %u does not exist (%u ports available); give a --vdev "
			 "or bind a NIC to vfio-pci", conf->port_id, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(conf->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: device info: %s", conf->port_id, rte_strerror(-rc));
		return rc;
	}
	snprintf(port->driver, sizeof(port->driver), "%s", info.driver_name);
	port->socket = rte_eth_dev_socket_id(conf->port_id);
	if (conf->nb_queues == 0 || conf->nb_queues > PORT_MAX_QUEUES ||
	    conf->nb_queues > info.max_rx_queues || conf->nb_queues > info.max_tx_queues) {
		snprintf(err, errlen,
			 "%u worker lcores, but port %u (%s) has at most %u RX / %u TX queues "
			 "(and this build %u): give -l fewer lcores",
			 conf->nb_queues, conf->port_id, port->driver, info.max_rx_queues,
			 info.max_tx_queues, PORT_MAX_QUEUES);
		return -EINVAL;
	}
	rc = port_pools_create(conf, port, err, errlen);
	if (rc != 0)
		goto out_free_pools;
	port_negotiate(&info, conf, &ec, port);
	rc = rte_eth_dev_configure(conf->port_id, conf->nb_queues, conf->nb_queues, &ec);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): configure %u queues: %s", conf->port_id,
			 port->driver, conf->nb_queues, rte_strerror(-rc));
		goto out_free_pools;
	}
	if (conf->mtu != 0) {
		rc = rte_eth_dev_set_mtu(conf->port_id, conf->mtu);
		if (rc != 0 && rc != -ENOTSUP) {
			snprintf(err, errlen, "port %u (%s): MTU %u: %s (the device allows %u..%u)",
				 conf->port_id, port->driver, conf->mtu, rte_strerror(-rc),
				 info.min_mtu, info.max_mtu);
			goto out_close;
		}
	}
	rc = port_queues_setup(conf, port, &ec, &info, err, errlen);
	if (rc != 0)
		goto out_close;
	rc = rte_eth_macaddr_get(conf->port_id, &port->mac);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: MAC address: %s", conf->port_id, rte_strerror(-rc));
		goto out_close;
	}
	rc = rte_eth_dev_start(conf->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port %u (%s): start: %s", conf->port_id, port->driver,
			 rte_strerror(-rc));
		goto out_close;
	}
	port->started = true;
	/* Promiscuous mode is off unless asked for; some virtual PMDs have no such switch. */
	rc = conf->promisc ? rte_eth_promiscuous_enable(conf->port_id) :
			     rte_eth_promiscuous_disable(conf->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		log_warn("port %u: promiscuous %s: %s", conf->port_id, conf->promisc ? "on" : "off",
			 rte_strerror(-rc));
	if (numa_available() >= 0)
		log_info("port %u (%s): NUMA socket %d of %d, %u queue(s)%s", conf->port_id,
			 port->driver, port->socket, numa_num_configured_nodes(),
			 conf->nb_queues, port->rss ? ", RSS" : "");
	return 0;

out_close:
	rte_eth_dev_close(conf->port_id);
out_free_pools:
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		rte_mempool_free(port->pools[s]);
	memset(port->pools, 0, sizeof(port->pools));
	return rc < 0 ? rc : -EIO;
}

bool
port_link_up(uint16_t port_id)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

int
port_wait_link(uint16_t port_id, uint32_t timeout_ms, const volatile int *stop)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;

	while (!port_link_up(port_id)) {
		if (stop != NULL && *stop)
			return -EINTR;
		if (rte_get_timer_cycles() >= deadline)
			return -ETIMEDOUT;
		rte_delay_us_sleep(PORT_LINK_POLL_US);
	}
	return 0;
}

unsigned int
port_mbufs_in_use(const struct port *port)
{
	unsigned int n = 0;

	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (port->pools[s] != NULL)
			n += rte_mempool_in_use_count(port->pools[s]);
	return n;
}

unsigned int
port_teardown(struct port *port)
{
	unsigned int leaked;

	if (port->started) {
		rte_eth_dev_stop(port->port_id);
		port->started = false;
	}
	rte_eth_dev_close(port->port_id);
	leaked = port_mbufs_in_use(port);
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		rte_mempool_free(port->pools[s]);
	memset(port->pools, 0, sizeof(port->pools));
	return leaked;
}

size_t
port_hugepage_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;

	for (unsigned int s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			total += st.heap_totalsz_bytes;
	return total;
}

void
port_stats_json(struct json_writer *w, uint16_t port_id)
{
	struct rte_eth_stats es;

	if (rte_eth_stats_get(port_id, &es) != 0) {
		json_null(w, "port");
		return;
	}
	json_object_begin(w, "port");
	json_u64(w, "ipackets", es.ipackets);
	json_u64(w, "opackets", es.opackets);
	json_u64(w, "imissed", es.imissed);
	json_u64(w, "ierrors", es.ierrors);
	json_u64(w, "oerrors", es.oerrors);
	json_u64(w, "rx_nombuf", es.rx_nombuf);
	json_object_end(w);
}
