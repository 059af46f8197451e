/* Unit tests of the demo generator's insides (its static functions, so the source is included):
 * writes past a capacity land in a clean sink, never beside it. */
#include "config.h"

#include <string.h>

#include "demo_gen.c"
#include "fktest.h"

/* A generator on a stack that held something else before: every overflow
 * path (events, 戸籍事項, details) must stay inside its capacity. Before the
 * sink was initialised, its detail count was whatever the stack held and a
 * detail on it wrote far outside the generator (a crash, or a report under
 * AddressSanitizer). */
START_TEST(overflow_writes_into_a_clean_sink)
{
	static gen g; /* static: a stack of that size is not the point */
	fk_rng rng;
	fk_names names;
	memset(&names, 0, sizeof names);
	fk_rng_seed(&rng, 1);
	memset(&g, 0xA5, sizeof g);
	gen_init(&g, &rng, &names);
	ck_assert_int_eq(g.overflow, 0);
	gperson *p = add_person(&g);
	for (int i = 0; i < MAX_EVENTS + 3; i++) {
		gev *e = add_event(&g, p, "出生", 100);
		for (int k = 0; k < MAX_DETAIL + 3; k++) {
			detail(&g, e, "届出人", "父");
			detail_date(&g, e, "届出日", 101);
		}
	}
	ck_assert_int_eq(p->ne, MAX_EVENTS);
	ck_assert_int_eq(g.sink.nd, MAX_DETAIL);
	for (int i = 0; i < MAX_JIKO + 3; i++)
		detail(&g, add_jiko(&g, "編製", 100), "編製事由", "新法");
	ck_assert_int_eq(g.nj, MAX_JIKO);
	ck_assert_int_eq(g.sink.nd, MAX_DETAIL);
	ck_assert_int_eq(g.overflow, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("demo-gen");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, overflow_writes_into_a_clean_sink);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
