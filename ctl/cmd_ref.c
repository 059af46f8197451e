/* fukuhonctl bureau list, municipality list, jurisdiction list. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define MAX_BUREAUS FK_OFFICES_MAX

int cmd_bureau_list(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}};
	if (ctl_parse(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CTL_USAGE;
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_bureau *b = calloc(MAX_BUREAUS, sizeof *b);
	fk_error err;
	int n = 0;
	fk_status s = b ? fk_access_bureaus(ctx, b, MAX_BUREAUS, &n, &err)
			: fk_fail(&err, FK_ERR_NOMEM, "out of memory");
	if (s != FK_OK) {
		rc = ctl_fail(&err);
	} else if (json) {
		json_t *arr = json_array();
		for (int i = 0; i < n && arr; i++) {
			fk_bureau parent;
			const char *pname = b[i].parent_id && fk_bureau_get(ctx, b[i].parent_id, &parent, NULL) == FK_OK
					    ? parent.name : NULL;
			json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s?, s:i, s:i}",
				"id", (json_int_t)b[i].id, "name", b[i].name, "kana", b[i].kana,
				"kind", b[i].kind, "parent", pname, "prefecture_id", b[i].pref_id,
				"municipalities", b[i].n_municipalities));
		}
		rc = ctl_print_json(arr);
	} else {
		for (int i = 0; i < n; i++) {
			ctl_put(stdout, b[i].name, 18);
			ctl_put(stdout, b[i].kind, 12);
			printf("%5d\n", b[i].n_municipalities);
		}
	}
	free(b);
	return rc;
}

struct muni_out {
	json_t *arr;
};

static int print_muni(const fk_muni *m, void *arg)
{
	struct muni_out *o = arg;
	if (o->arr) {
		json_array_append_new(o->arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", m->code,
			"name", m->name, "kana", m->kana, "prefecture", m->pref, "bureau", m->bureau));
		return 0;
	}
	printf("%s  ", m->code);
	ctl_put(stdout, m->pref, 10);
	ctl_put(stdout, m->name, 24);
	ctl_put(stdout, m->bureau, 0);
	putchar('\n');
	return 0;
}

typedef fk_status (*muni_lister)(fk_ctx *ctx, const char *office, fk_muni_cb cb, void *arg,
				 fk_error *err);

/* municipality list and jurisdiction list: the same rows, from the public reference list or
 * from the recorded, checked jurisdiction table; option names the office's option. */
static int muni_list(ctl *c, int argc, char **argv, const char *option, muni_lister list)
{
	const char *json = NULL, *bureau = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}, {option, 1, &bureau}};
	if (ctl_parse(argc, argv, opts, 2, pos, 0, &npos) != 0)
		return CTL_USAGE;
	fk_ctx *ctx;
	int rc = ctl_open(c, &ctx);
	if (rc != CTL_OK)
		return rc;
	fk_error err;
	struct muni_out o = {json ? json_array() : NULL};
	return ctl_list_done(list(ctx, bureau, print_muni, &o, &err), &err, o.arr);
}

int cmd_muni_list(ctl *c, int argc, char **argv)
{
	return muni_list(c, argc, argv, "bureau", fk_access_municipalities);
}

/* R-JURIS: the table as it decides, each row checked; recorded (supervisors, auditors,
 * administrators). */
int cmd_juris_list(ctl *c, int argc, char **argv)
{
	return muni_list(c, argc, argv, "office", fk_jurisdiction_list);
}
