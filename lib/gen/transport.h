/* SPDX-License-Identifier: BSD-3-Clause */
/* One ops table per transport (open, send burst, receive burst, close): the engine drives every
 * path through it and never asks which transport it has. */
#ifndef GEN_TRANSPORT_H
#define GEN_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/payload.h"
#include "gen/zcopy.h"

#define GEN_ERR_MAX 256
/* A blocking receive gives control back to the engine at least this often. */
#define GEN_BLOCK_SLICE_MS 10

/* Head of every transport's connection state. */
struct gen_conn {
	uint64_t syscalls;	/* system calls this connection made, all of them */
	uint64_t ignored;	/* frames that were no reply of ours (ARP, IPv6, other hosts) */
	uint64_t reconnects;	/* --reconnect: connections closed and opened again */
	bool tx_blocked;	/* set by the engine: the last send was cut short, so a
				 * sleeping recv should also wake when sending is possible */
	char err[GEN_ERR_MAX];	/* what failed, when send or recv returned a negative errno */
	struct gen_zc_counts zc;	/* --zerocopy: sends and their completions */
};

/* One message to send: the transport writes its payload (gen_payload_write) where it wants. */
struct gen_tx {
	uint16_t flow;		/* global flow id; this connection carries flow_base.. */
	uint64_t seq;
	uint64_t ts;
};

/* One received message, valid until the next recv call on the same connection. */
struct gen_rx {
	const uint8_t *buf;
	uint32_t len;
};

/* The DPDK transport's extra settings (see transport_dpdk.c); ignored by the others. */
struct gen_dpdk_opts {
	const char *eal;	/* EAL arguments, white-space separated */
	const char *profile;	/* drivers-conf profile name or path */
	const char *local_ip;	/* our IPv4 address, A.B.C.D[/P] */
	const char *local_mac;	/* NULL: the port's */
	const char *dst_mac;	/* NULL: resolve by ARP */
	uint16_t src_port;	/* first UDP source port; flow f uses src_port + f */
	uint16_t port_id;	/* DPDK port (default 0) */
	uint16_t nqueues;	/* queue pairs to set up: one per worker thread */
	bool eal_ready;		/* the host program ran rte_eal_init and started port_id */
};

struct gen_open_args {
	const char *target;	/* "udp:127.0.0.1:7", "dpdk:198.18.0.2:7", ... */
	const struct gen_payload_fmt *fmt;
	uint16_t flow_base;	/* global id of the first flow of this connection */
	uint16_t nflows;
	unsigned batch;		/* most messages per system call */
	bool busy_poll;		/* never sleep in the kernel: poll with MSG_DONTWAIT */
	int so_busy_poll_us;	/* SO_BUSY_POLL on each socket; 0: leave off */
	int sockbuf_bytes;	/* SO_SNDBUF and SO_RCVBUF wanted; 0: leave the defaults */
	unsigned queue;		/* DPDK: the queue pair this connection polls */
	enum gen_zc_mode zerocopy;	/* tcp, udp: zero-copy sends from a buffer per message */
	unsigned window;	/* closed loop: messages in flight per flow; 0: open loop */
	uint64_t reconnect;	/* byte streams: a new connection every this many messages per
				 * flow; 0: one connection per flow for the whole cell */
	const struct gen_dpdk_opts *dpdk;
};

struct gen_transport_ops {
	const char *name;
	bool stream;		/* a byte stream: the server sees bytes, not messages */
	unsigned threads_max;	/* most worker threads it supports; 0: no limit */
	/*
	 * Largest message (payload bytes) this transport carries to target. Returns 0, or a
	 * negative errno with the reason in err (a target that does not parse, for one).
	 */
	int (*max_size)(const char *target, const struct gen_dpdk_opts *dpdk, uint32_t *max,
			char *err, size_t errlen);
	/* Connect every flow. Returns 0 with *out set, or a negative errno with err filled. */
	int (*open)(const struct gen_open_args *a, struct gen_conn **out, char *err, size_t errlen);
	/* Called in the thread that will use the connection, before any send or recv. */
	int (*thread_start)(struct gen_conn *c);
	void (*thread_stop)(struct gen_conn *c);
	/*
	 * Send msgs in order; messages of one flow come in sequence order. Returns how many were
	 * sent (a prefix of msgs; fewer when the kernel or ring is full), or a negative errno
	 * with c->err saying what failed (the server went away, for one).
	 */
	int (*send)(struct gen_conn *c, const struct gen_tx *msgs, unsigned n);
	/*
	 * Receive up to n messages. Returns at once with what is there when wait_ns is 0 or the
	 * connection busy-polls; otherwise may sleep up to about wait_ns for the first one.
	 * Returns the count or a negative errno with c->err filled.
	 */
	int (*recv)(struct gen_conn *c, struct gen_rx *msgs, unsigned n, uint64_t wait_ns);
	void (*close)(struct gen_conn *c);
	/*
	 * Messages the kernel dropped so far at this connection's sockets because their receive
	 * buffer was full (SO_MEMINFO); NULL where there is no such count.
	 */
	uint64_t (*sock_drops)(struct gen_conn *c);
	/* Release what open() set up for the whole process (EAL, ports); may be NULL. */
	void (*shutdown)(void);
	/* The driver's name for results ("net_memif"); NULL for kernel transports. */
	const char *(*driver)(void);
	/* True when the DPDK memory is ordinary pages (--no-huge); NULL for kernel transports. */
	bool (*no_huge)(void);
};

/*
 * The transport named by target's prefix ("udp:..." -> udp). Returns NULL with a line naming
 * the transports that exist in err.
 */
const struct gen_transport_ops *gen_transport_find(const char *target, char *err, size_t errlen);

extern const struct gen_transport_ops gen_transport_udp;
/* udp with UDP_SEGMENT sends and UDP_GRO receives (echo-gen --gso); not found by prefix. */
extern const struct gen_transport_ops gen_transport_udp_gso;
extern const struct gen_transport_ops gen_transport_tcp;
extern const struct gen_transport_ops gen_transport_uds_dgram;
extern const struct gen_transport_ops gen_transport_uds_stream;
extern const struct gen_transport_ops gen_transport_uds_seqpacket;
extern const struct gen_transport_ops gen_transport_dpdk;

#endif
