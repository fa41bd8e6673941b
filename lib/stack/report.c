/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "common/json.h"
#include "stack/report.h"

void
stack_verdicts_json(struct json_writer *w, const struct stack_stats *s)
{
	for (int c = 0; c < STACK_VERDICT_CLASSES; c++) {
		const struct stack_verdict_class *vc = &stack_verdict_classes[c];

		json_object_begin(w, vc->name);
		for (int v = vc->first; v < vc->end; v++)
			json_u64(w, stack_verdict_name(v), s->verdicts[v]);
		json_object_end(w);
	}
}

void
stack_verdicts_print(FILE *f, const struct stack_stats *s)
{
	for (int c = 0; c < STACK_VERDICT_CLASSES; c++) {
		const struct stack_verdict_class *vc = &stack_verdict_classes[c];

		fprintf(f, "  %-18s %" PRIu64 "\n", vc->name, stack_stats_class(s, vc));
		for (int v = vc->first; v < vc->end; v++)
			if (s->verdicts[v] != 0)
				fprintf(f, "    %-16s %" PRIu64 "\n", stack_verdict_name(v),
					s->verdicts[v]);
	}
}
