/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack's verdict counters as every counter writer lays them out (bypass-echo's terminal and
 * stats file, dpdk_ring_echo's server log and stats file): one group per class of
 * stack_verdict_classes, so no verdict is ever listed in two classes. Kept out of the stack
 * library itself, which stays pure per-packet logic with no stdio or JSON.
 */
#ifndef STACK_REPORT_H
#define STACK_REPORT_H

#include <stdio.h>

#include "stack/stack.h"

struct json_writer;

/* One object per class ("replies", "taken", "drops"), each verdict's count under its name. */
void stack_verdicts_json(struct json_writer *w, const struct stack_stats *s);

/*
 * One line per class with its total ("  replies            N"), and under it one indented line
 * for each verdict of the class that counted anything.
 */
void stack_verdicts_print(FILE *f, const struct stack_stats *s);

#endif
