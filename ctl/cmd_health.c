/* fukuhonctl health: the terminal's health for people and monitors (Nagios/Icinga exit codes; R-DETECT). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* The exit codes of monitoring plugins; a usage error is "unknown" to a monitor. */
enum { HC_EXIT_USAGE = FK_HC_UNKNOWN };

/* A problem the full check names (core/trust), kept for after the lines: a monitor reads the
 * summary from the first line. */
static void put_problem(void *arg, const char *what, int64_t seq, const char *msg)
{
	int w;
	(void)seq;
	char *clean = fk_disp_dup(msg, 0, &w);
	json_array_append_new(arg, json_pack("{s:s, s:s}", "kind", what, "message", clean ? clean : "?"));
	free(clean);
}

static void put_problems(json_t *arr)
{
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p) {
		fputs("PROBLEM ", stdout);
		ctl_put(stdout, json_string_value(json_object_get(p, "kind")), 0);
		fputs(": ", stdout);
		ctl_put(stdout, json_string_value(json_object_get(p, "message")), 0);
		putchar('\n');
	}
}

static void item_text(const fk_hc_item *it, char *buf, size_t len)
{
	fk_msg_expand(it->what, it->arg, it->n, buf, len);
}

/* "FUKUHON WARNING - backup: no backup recorded; clock: …": the first line a monitor shows. */
static void summary(const fk_hc_report *r, const fk_config *cfg)
{
	char text[400];
	int bad = 0;
	printf("FUKUHON %s - ", fk_hc_level_name(r->level));
	for (int i = 0; i < FK_HC_COUNT; i++) {
		if (r->item[i].level == FK_HC_OK)
			continue;
		item_text(&r->item[i], text, sizeof text);
		printf("%s%s: ", bad++ ? "; " : "", fk_hc_name((fk_hc_id)i));
		ctl_put(stdout, text, 0);
	}
	if (!bad)
		printf("all %d checks passed", FK_HC_COUNT);
	/* Performance data for the monitor's graphs: percent free, warning and critical below. */
	const char *sep = " |";
	for (int i = FK_HC_DISK_DB; i <= FK_HC_DISK_KEYS; i++) {
		if (r->item[i].level == FK_HC_UNKNOWN || r->item[i].n < 0) /* not measured here */
			continue;
		printf("%s %s=%lld%%;%d:;%d:;0;100", sep, fk_hc_name((fk_hc_id)i), r->item[i].n,
		       cfg->disk_free_warn, cfg->disk_free_crit);
		sep = "";
	}
	putchar('\n');
}

static void lines(const fk_hc_report *r)
{
	char text[400], when[40];
	for (int i = 0; i < FK_HC_COUNT; i++) {
		const fk_hc_item *it = &r->item[i];
		item_text(it, text, sizeof text);
		printf("%-14s %-8s ", fk_hc_name(it->id), fk_hc_level_name(it->level));
		ctl_put(stdout, text, 0);
		if (it->when) {
			fk_fmt_utc(it->when, when, sizeof when);
			printf(" (%s)", when);
		}
		putchar('\n');
	}
}

static json_t *as_json(const fk_hc_report *r, json_t *problems)
{
	char text[400];
	json_t *checks = json_array();
	for (int i = 0; i < FK_HC_COUNT; i++) {
		const fk_hc_item *it = &r->item[i];
		int w;
		item_text(it, text, sizeof text);
		char *clean = fk_disp_dup(text, 0, &w);
		json_array_append_new(checks, json_pack("{s:s, s:s, s:i, s:s, s:o}", "name", fk_hc_name(it->id),
							"status", fk_hc_level_name(it->level), "code", (int)it->level,
							"message", clean ? clean : "?", "when", ctl_time_json(it->when)));
		free(clean);
	}
	return json_pack("{s:s, s:i, s:o, s:o*}", "status", fk_hc_level_name(r->level), "code", (int)r->level,
			 "checks", checks, "problems", problems);
}

int cmd_health(ctl *c, int argc, char **argv)
{
	const char *json = NULL, *check = NULL, *pos[1];
	int npos;
	struct ctl_opt opts[] = {{"json", 0, &json}, {"check", 0, &check}};
	if (ctl_parse(argc, argv, opts, 2, pos, 0, &npos) != 0)
		return HC_EXIT_USAGE;
	fk_ctx *ctx;
	/* --check diagnoses: it runs over a database that failed its checks, unrecorded. */
	c->diagnose = check != NULL;
	if (ctl_open(c, &ctx) != CTL_OK) {
		/* Not open, or not signed in: nobody can use this terminal as it is (the reason is
		 * on standard error), or the monitor's account may not (a lockdown, a refusal). */
		printf("FUKUHON CRITICAL - the terminal could not be opened or signed in to (see the message)\n");
		return FK_HC_CRITICAL;
	}
	fk_error err;
	fk_hc_report *r = calloc(1, sizeof *r);
	if (!r) {
		fk_fail(&err, FK_ERR_NOMEM, "out of memory");
		ctl_fail(&err);
		return FK_HC_UNKNOWN;
	}
	json_t *problems = json_array();
	int rc;
	if (fk_health_report(ctx, check != NULL, r, put_problem, problems, &err) != FK_OK) {
		ctl_fail(&err);
		printf("FUKUHON UNKNOWN - %s\n", err.code == FK_ERR_DENIED ? "refused" : "could not be read");
		json_decref(problems);
		rc = FK_HC_UNKNOWN;
	} else if (json) {
		ctl_print_json(as_json(r, check ? problems : NULL));
		if (!check)
			json_decref(problems);
		rc = (int)r->level;
	} else {
		summary(r, &ctx->cfg);
		lines(r);
		put_problems(problems);
		json_decref(problems);
		rc = (int)r->level;
	}
	free(r);
	return rc;
}
