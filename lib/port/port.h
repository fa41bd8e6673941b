/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK port setup from a driver profile: queues, RSS, offloads, NUMA-local mempools, link. */
#ifndef PORT_PORT_H
#define PORT_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#define PORT_MAX_QUEUES 16
#define PORT_BURST_MAX 32

struct port_conf {
	uint16_t port_id;
	uint16_t nb_queues;                       /* one RX/TX pair per worker */
	unsigned int queue_lcore[PORT_MAX_QUEUES]; /* the lcore polling each queue */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;       /* 0: leave as it is */
	uint32_t mbufs;     /* per mempool; 0: sized from descriptors and queues */
	uint32_t extra_mbufs; /* per queue, added to a pool sized here: mbufs an lcore holds */
	bool promisc;
	/* mbufs are sent with more than one reference and kept after (TCP's retransmission
	 * queue): no MBUF_FAST_FREE, whose PMDs return mbufs to the pool without looking. */
	bool tx_refcnt;
};

struct port {
	uint16_t port_id;
	uint16_t nb_queues;
	int socket;                               /* NUMA socket of the device, -1 unknown */
	char driver[32];
	struct rte_ether_addr mac;
	bool rss;                                 /* RSS spreads flows over the queues */
	bool rx_cksum_offload;                    /* PMD sets RX checksum flags */
	struct rte_mempool *queue_pool[PORT_MAX_QUEUES];
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES]; /* one per socket in use */
	bool started;
};

/*
 * Configure and start a port: queues, RSS when nb_queues > 1 and the PMD can, offloads taken
 * from what rte_eth_dev_info offers, one mempool per NUMA socket of the polling lcores.
 * Returns 0, or a negative errno with what failed and what to do in err.
 */
int port_setup(const struct port_conf *conf, struct port *port, char *err, size_t errlen);

/*
 * Wait up to timeout_ms for link up, giving up early when *stop becomes non-zero (a signal
 * handler's flag; NULL: never). Returns 0, -ETIMEDOUT with the link still down, or -EINTR.
 */
int port_wait_link(uint16_t port_id, uint32_t timeout_ms, const volatile int *stop);

/* True when the link is up right now. */
bool port_link_up(uint16_t port_id);

/* mbufs taken out of this port's pools (in rings, in flight, held by lcores). */
unsigned int port_mbufs_in_use(const struct port *port);

/*
 * Stop and close the port, then free its pools. Safe on a partly set-up port.
 * Returns how many mbufs were still out of the pools after the close (0 when none leaked).
 */
unsigned int port_teardown(struct port *port);

/* Bytes of hugepage memory the process has mapped, summed over sockets. */
size_t port_hugepage_bytes(void);

struct json_writer;

/*
 * What the PMD counted before any frame reached the stack, as the object "port" of a stats
 * file (ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf), or null when the PMD gives
 * no stats: frames it could not take for want of mbufs (rx_nombuf) or ring space (imissed)
 * never reach the stack's rx, so they are reported beside it.
 */
void port_stats_json(struct json_writer *w, uint16_t port_id);

#endif
