/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-lcore TCB table: a fixed array, a free list and hash chains, no locks, no allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "tcp_int.h"

const char *const tcp_stats_names[TCP_STATS_COUNT] = {
#define TCP_STATS_NAME(name) #name,
	TCP_STATS_LIST(TCP_STATS_NAME)
#undef TCP_STATS_NAME
};

struct tcp_tcb *
tcp_tcb_lookup(struct tcp_ctx *ctx, rte_be32_t peer_ip, rte_be16_t peer_port,
	       rte_be16_t local_port)
{
	uint32_t i = ctx->buckets[tcp_hash_tuple(ctx->hash_seed, peer_ip, peer_port, local_port) &
				  ctx->hash_mask];

	while (i != 0) {
		struct tcp_tcb *tcb = &ctx->tcb[i - 1];

		if (tcb->peer_ip == peer_ip && tcb->peer_port == peer_port &&
		    tcb->local_port == local_port)
			return tcb;
		i = tcb->hash_next;
	}
	return NULL;
}

/* A zeroed TCB in the table for this 4-tuple (the caller knows there is none), or NULL: full. */
struct tcp_tcb *
tcp_tcb_alloc(struct tcp_ctx *ctx, rte_be32_t peer_ip, rte_be16_t peer_port,
	      rte_be16_t local_port)
{
	uint32_t *bucket = &ctx->buckets[tcp_hash_tuple(ctx->hash_seed, peer_ip, peer_port,
							local_port) & ctx->hash_mask];
	struct tcp_tcb *tcb;
	uint32_t i = ctx->free_head;

	if (i == 0)
		return NULL;
	tcb = &ctx->tcb[i - 1];
	ctx->free_head = tcb->hash_next;
	memset(tcb, 0, offsetof(struct tcp_tcb, segq));
	tcb->peer_ip = peer_ip;
	tcb->peer_port = peer_port;
	tcb->local_port = local_port;
	tcb->hash_next = *bucket;
	*bucket = i;
	ctx->stats.tcbs_in_use++;
	return tcb;
}

/* Unlink the TCB, drop every held mbuf and its timer, and put it on the free list. */
void
tcp_tcb_free(struct tcp_ctx *ctx, struct tcp_tcb *tcb)
{
	uint32_t idx = tcb_index(ctx, tcb) + 1;
	uint32_t *link = &ctx->buckets[tcp_hash_tuple(ctx->hash_seed, tcb->peer_ip,
						      tcb->peer_port, tcb->local_port) &
				       ctx->hash_mask];

	while (*link != idx)
		link = &ctx->tcb[*link - 1].hash_next;
	*link = tcb->hash_next;
	tcp_timer_cancel(ctx, tcb);
	while (tcb->segq_count > 0) {
		rte_pktmbuf_free(tcb->segq[tcb->segq_head].m);
		tcb->segq_head = (tcb->segq_head + 1) % TCP_SEGQ_MAX;
		tcb->segq_count--;
		ctx->stats.rtx_mbufs--;
	}
	tcp_ooo_flush(ctx, tcb);
	tcb->state = TCP_FREE;
	tcb->hash_next = ctx->free_head;
	ctx->free_head = idx;
	ctx->stats.tcbs_in_use--;
}

/* Give up on a connection: tell the peer (RST), count it (in *counter), forget it. */
void
tcp_abort(struct tcp_ctx *ctx, struct tcp_tcb *tcb, uint64_t *counter)
{
	tcp_send_fresh(ctx, tcb, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, tcb->snd_nxt, NULL, 0);
	(*counter)++;
	tcp_tcb_free(ctx, tcb);
}

struct tcp_ctx *
tcp_ctx_create(const struct stack_conf *conf, const struct tcp_ctx_conf *tc, char *err,
	       size_t errlen)
{
	struct tcp_ctx *ctx;
	uint32_t nb_buckets;

	if (tc->tcbs == 0 || tc->tcbs > TCP_TCBS_MAX || tc->pool == NULL) {
		snprintf(err, errlen, "TCP: %u TCBs asked (1 to %u) %s", tc->tcbs, TCP_TCBS_MAX,
			 tc->pool == NULL ? "and no mempool" : "");
		return NULL;
	}
	/* Ordinary memory: nothing here is touched by a device. */
	ctx = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*ctx),
								 RTE_CACHE_LINE_SIZE));
	if (ctx == NULL)
		goto out_nomem;
	memset(ctx, 0, sizeof(*ctx));
	nb_buckets = rte_align32pow2(tc->tcbs);
	ctx->buckets = calloc(nb_buckets, sizeof(*ctx->buckets));
	if (ctx->buckets == NULL)
		goto out_free_ctx;
	ctx->tcb = calloc(tc->tcbs, sizeof(*ctx->tcb));
	if (ctx->tcb == NULL)
		goto out_free_buckets;
	ctx->conf = conf;
	ctx->pool = tc->pool;
	ctx->tcbs = tc->tcbs;
	ctx->hash_mask = nb_buckets - 1;
	ctx->secret[0] = tc->secret[0];
	ctx->secret[1] = tc->secret[1];
	/* Chains are keyed too: a peer cannot choose ports that all land in one bucket. */
	ctx->hash_seed = (uint32_t)(tc->secret[0] >> 32) ^ (uint32_t)tc->secret[1];
	ctx->rtx_mbufs_max = tc->rtx_mbufs_max != 0 ? tc->rtx_mbufs_max : tc->tcbs * 4;
	ctx->our_mss = tc->mtu > 40 + TCP_MSS_DEFAULT ? tc->mtu - 40 : TCP_MSS_DEFAULT;
	ctx->stats.tcbs_max = tc->tcbs;
	for (uint32_t i = 0; i < tc->tcbs; i++)
		ctx->tcb[i].hash_next = i + 2 <= tc->tcbs ? i + 2 : 0;
	ctx->free_head = 1;
	return ctx;

out_free_buckets:
	free(ctx->buckets);
out_free_ctx:
	free(ctx);
out_nomem:
	snprintf(err, errlen, "TCP: no memory for %u TCBs (%zu bytes each)", tc->tcbs,
		 sizeof(struct tcp_tcb));
	return NULL;
}

unsigned int
tcp_ctx_reset_some(struct tcp_ctx *ctx, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < ctx->tcbs && n < max; i++) {
		struct tcp_tcb *tcb = &ctx->tcb[i];

		if (tcb->state == TCP_FREE)
			continue;
		tcp_abort(ctx, tcb, &ctx->stats.conns_reset);
		n++;
	}
	return n;
}

unsigned int
tcp_ctx_flush(struct tcp_ctx *ctx, unsigned int *mbufs)
{
	unsigned int torn = 0, freed = 0;

	for (uint32_t i = 0; i < ctx->tcbs; i++) {
		struct tcp_tcb *tcb = &ctx->tcb[i];

		if (tcb->state == TCP_FREE)
			continue;
		freed += tcb->segq_count + tcb->ooo_count;
		tcp_tcb_free(ctx, tcb);
		torn++;
	}
	freed += ctx->txq_count;
	rte_pktmbuf_free_bulk(ctx->txq, ctx->txq_count);
	ctx->txq_count = 0;
	if (mbufs != NULL)
		*mbufs = freed;
	return torn;
}

void
tcp_ctx_destroy(struct tcp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	tcp_ctx_flush(ctx, NULL);
	free(ctx->tcb);
	free(ctx->buckets);
	free(ctx);
}

uint16_t
tcp_ctx_tx_drain(struct tcp_ctx *ctx, struct rte_mbuf **pkts, uint16_t max)
{
	uint16_t n = RTE_MIN(max, ctx->txq_count);

	memcpy(pkts, ctx->txq, n * sizeof(*pkts));
	memmove(ctx->txq, ctx->txq + n, (ctx->txq_count - n) * sizeof(*pkts));
	ctx->txq_count -= n;
	return n;
}

uint16_t
tcp_ctx_tx_pending(const struct tcp_ctx *ctx)
{
	return ctx->txq_count;
}

const struct tcp_stats *
tcp_ctx_stats(const struct tcp_ctx *ctx)
{
	return &ctx->stats;
}
