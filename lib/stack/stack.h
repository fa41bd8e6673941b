/* SPDX-License-Identifier: BSD-3-Clause */
/* The host stack's public face: configuration, verdicts (reply kinds and drop reasons), entries. */
#ifndef STACK_STACK_H
#define STACK_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * Every received frame ends in exactly one of these. Replies first (the frame was answered in
 * place), then "taken" (TCP took the segment and has nothing to send for it now: a pure ACK),
 * then drops, named after the layer that rejected the frame. A TCP drop may still cause a segment
 * (a RST for a closed port, a duplicate ACK for out-of-order data): those are counted among the
 * TCP events (rsts_sent, dup_acks_sent), never as replies. The string is the counter's name.
 */
#define STACK_VERDICT_LIST(X) \
	X(REPLY_ARP, "arp") \
	X(REPLY_ICMP, "icmp") \
	X(REPLY_UDP, "udp") \
	X(REPLY_TCP, "tcp") \
	X(TAKEN_TCP, "tcp_taken") \
	X(DROP_MULTI_SEG, "multi_seg") \
	X(DROP_ETH_SHORT, "eth_short") \
	X(DROP_ETH_NOT_FOR_US, "eth_not_for_us") \
	X(DROP_ETH_BAD_SRC, "eth_bad_src") \
	X(DROP_ETH_LLC, "eth_llc") \
	X(DROP_ETH_VLAN, "eth_vlan") \
	X(DROP_ETH_IPV6, "eth_ipv6") \
	X(DROP_ETH_LLDP, "eth_lldp") \
	X(DROP_ETH_UNKNOWN_TYPE, "eth_unknown_type") \
	X(DROP_ARP_SHORT, "arp_short") \
	X(DROP_ARP_BAD_FORMAT, "arp_bad_format") \
	X(DROP_ARP_BAD_OP, "arp_bad_op") \
	X(DROP_ARP_BAD_SENDER, "arp_bad_sender") \
	X(DROP_ARP_CONFLICT, "arp_conflict") \
	X(DROP_ARP_NOT_FOR_US, "arp_not_for_us") \
	X(DROP_ARP_REPLY, "arp_reply") \
	X(DROP_IP_SHORT, "ip_short") \
	X(DROP_IP_VERSION, "ip_version") \
	X(DROP_IP_BAD_IHL, "ip_bad_ihl") \
	X(DROP_IP_HDR_TRUNC, "ip_hdr_trunc") \
	X(DROP_IP_BAD_CKSUM, "ip_bad_cksum") \
	X(DROP_IP_BAD_LEN, "ip_bad_len") \
	X(DROP_IP_FRAGMENT, "ip_fragment") \
	X(DROP_IP_L2_BCAST, "ip_l2_bcast") \
	X(DROP_IP_BCAST, "ip_bcast") \
	X(DROP_IP_NOT_FOR_US, "ip_not_for_us") \
	X(DROP_IP_MARTIAN_SRC, "ip_martian_src") \
	X(DROP_IP_UNKNOWN_PROTO, "ip_unknown_proto") \
	X(DROP_ICMP_SHORT, "icmp_short") \
	X(DROP_ICMP_BAD_CKSUM, "icmp_bad_cksum") \
	X(DROP_ICMP_BAD_CODE, "icmp_bad_code") \
	X(DROP_ICMP_NOT_ECHO, "icmp_not_echo") \
	X(DROP_UDP_SHORT, "udp_short") \
	X(DROP_UDP_BAD_LEN, "udp_bad_len") \
	X(DROP_UDP_BAD_CKSUM, "udp_bad_cksum") \
	X(DROP_UDP_BAD_SRC_PORT, "udp_bad_src_port") \
	X(DROP_UDP_PORT_CLOSED, "udp_port_closed") \
	X(DROP_TCP_SHORT, "tcp_short") \
	X(DROP_TCP_BAD_CKSUM, "tcp_bad_cksum") \
	X(DROP_TCP_BAD_OFF, "tcp_bad_off") \
	X(DROP_TCP_BAD_OPTS, "tcp_bad_opts") \
	X(DROP_TCP_BAD_FLAGS, "tcp_bad_flags") \
	X(DROP_TCP_BAD_PORT, "tcp_bad_port") \
	X(DROP_TCP_PORT_CLOSED, "tcp_port_closed") \
	X(DROP_TCP_NO_CONN, "tcp_no_conn") \
	X(DROP_TCP_TCB_FULL, "tcp_tcb_full") \
	X(DROP_TCP_OOO, "tcp_ooo") \
	X(DROP_TCP_OUT_OF_WINDOW, "tcp_out_of_window") \
	X(DROP_TCP_ACK_UNSENT, "tcp_ack_unsent") \
	X(DROP_TCP_RST_IGNORED, "tcp_rst_ignored") \
	X(DROP_TCP_CHALLENGE_LIMIT, "tcp_challenge_limit") \
	X(DROP_TCP_AFTER_CLOSE, "tcp_after_close") \
	X(DROP_TCP_NO_BUF, "tcp_no_buf")

enum stack_verdict {
#define STACK_VERDICT_ENUM(id, name) STACK_##id,
	STACK_VERDICT_LIST(STACK_VERDICT_ENUM)
#undef STACK_VERDICT_ENUM
	STACK_VERDICT_MAX
};

#define STACK_FIRST_TAKEN STACK_TAKEN_TCP
#define STACK_FIRST_DROP STACK_DROP_MULTI_SEG

/*
 * The three classes of verdicts, in enum order, as stats and JSON name them: verdicts [first, end)
 * of each. Every writer of counters walks this table, so no verdict is listed in two classes.
 */
struct stack_verdict_class {
	const char *name; /* "replies", "taken", "drops" */
	int first, end;
};
#define STACK_VERDICT_CLASSES 3
extern const struct stack_verdict_class stack_verdict_classes[STACK_VERDICT_CLASSES];
#define STACK_TTL_DEFAULT 64
#define STACK_UDP_ECHO_PORT 7

/* Read-mostly configuration shared by every lcore. Set mac and ip through stack_conf_init(). */
struct stack_conf {
	struct rte_ether_addr mac;
	uint64_t mac48;        /* mac as eth_load48() reads it from a frame */
	rte_be32_t ip;
	rte_be32_t netmask;
	uint8_t ttl;
	/* Trust RX checksum flags from the PMD instead of summing in software. */
	bool rx_cksum_offload;
	uint64_t udp_ports[65536 / 64]; /* bit per served UDP port (host order) */
	uint64_t tcp_ports[65536 / 64]; /* bit per served TCP port (host order) */
};

/* Per-lcore counters: one slot per verdict. */
struct stack_stats {
	uint64_t verdicts[STACK_VERDICT_MAX];
};

struct tcp_ctx;

/*
 * A frame under processing. The stack may move data forward and shrink len while replying (a
 * TCP reply may also grow by the few bytes of a SYN-ACK's options, within the mbuf's room).
 */
struct stack_pkt {
	uint8_t *data;
	uint16_t len;
	uint64_t ol_flags; /* RX checksum flags from the PMD (0: unknown, verify in software) */
	bool l2_bcast;     /* set by the Ethernet layer */
	struct tcp_ctx *tcp; /* this lcore's TCP endpoint; NULL: TCP is judged, never answered */
	struct rte_mbuf *m;  /* the frame's mbuf when TCP may keep a reference to it, or NULL */
};

void stack_conf_init(struct stack_conf *conf, const struct rte_ether_addr *mac, rte_be32_t ip,
		     uint8_t prefix_len);
void stack_conf_add_udp_port(struct stack_conf *conf, uint16_t port);
void stack_conf_add_tcp_port(struct stack_conf *conf, uint16_t port);

static inline bool
stack_udp_port_served(const struct stack_conf *conf, uint16_t port)
{
	return (conf->udp_ports[port / 64] >> (port % 64)) & 1;
}

static inline bool
stack_tcp_port_served(const struct stack_conf *conf, uint16_t port)
{
	return (conf->tcp_ports[port / 64] >> (port % 64)) & 1;
}

/* A reply was written in place: the mbuf goes back out. */
static inline bool
stack_verdict_is_reply(enum stack_verdict v)
{
	return v < STACK_FIRST_TAKEN;
}

/* Neither reply nor taken: the frame was refused for the reason the verdict names. */
static inline bool
stack_verdict_is_drop(enum stack_verdict v)
{
	return v >= STACK_FIRST_DROP;
}

const char *stack_verdict_name(enum stack_verdict v);

/*
 * The (pointer, length) entry: judge one frame. On a reply verdict the reply has been written in
 * place and pkt->data/pkt->len describe it (never longer than the request); on a drop the
 * buffer's content is unspecified. TCP is judged without a TCP context here: a valid segment to
 * any port counts as tcp_port_closed and nothing is sent.
 */
enum stack_verdict stack_input(const struct stack_conf *conf, struct stack_pkt *pkt);

/*
 * The same judgement through the layers alone (Ethernet, then ARP or IPv4, then ICMP or UDP),
 * without the fast path stack_input() tries first: the reference the fast path is tested against.
 */
enum stack_verdict stack_input_layers(const struct stack_conf *conf, struct stack_pkt *pkt);

/*
 * Judge a burst of received mbufs. Replies are built in their own mbufs and compacted to the
 * front of pkts; every other mbuf is freed. Each frame is counted once in stats.
 * Returns the number of replies now at pkts[0..ret).
 */
uint16_t stack_input_burst(const struct stack_conf *conf, struct rte_mbuf **pkts, uint16_t n,
			   struct stack_stats *stats);

/*
 * stack_input_burst() with this lcore's TCP endpoint (lib/stack/tcp.h): TCP segments to the
 * served ports are answered in place (reply verdict "tcp") or taken ("tcp_taken"); TCP may keep
 * a reference to a frame's mbuf (data held for retransmission) whatever its verdict, and queues
 * any segment it must send that is not a reply in place (RSTs for refused segments, data freed
 * by a window update) in tcp for tcp_ctx_tx_drain(). tcp NULL: stack_input_burst().
 */
uint16_t stack_input_burst_tcp(const struct stack_conf *conf, struct tcp_ctx *tcp,
			       struct rte_mbuf **pkts, uint16_t n, struct stack_stats *stats);

/*
 * Write an ARP frame for IPv4 over Ethernet into buf (at least 60 bytes; the padding is zeroed):
 * operation op (host order) from sha/sip about tha/tip, sent to eth_dst from sha. Returns its
 * length, 60.
 */
uint16_t stack_arp_frame(uint8_t *buf, uint16_t op, const struct rte_ether_addr *eth_dst,
			 const struct rte_ether_addr *sha, rte_be32_t sip,
			 const struct rte_ether_addr *tha, rte_be32_t tip);

/* Write a gratuitous ARP request announcing conf's address into buf (at least 60 bytes). */
uint16_t stack_arp_announce(const struct stack_conf *conf, uint8_t *buf);

/* Sum of every verdict counter, of the reply ones, and of the taken ones: total = replies +
 * taken + drops. */
uint64_t stack_stats_total(const struct stack_stats *s);
uint64_t stack_stats_replies(const struct stack_stats *s);
uint64_t stack_stats_taken(const struct stack_stats *s);
/* Sum of the verdict counters of one class (an entry of stack_verdict_classes). */
uint64_t stack_stats_class(const struct stack_stats *s, const struct stack_verdict_class *vc);

#endif
