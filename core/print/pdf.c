/* The 全部事項証明 as an A4 PDF through cairo and pango (pdf.h). */
#include "config.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "disp.h"
#include "pdf.h"

/* A4 in points, and the frame the text keeps to. */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN_X 56.0
#define TOP 92.0    /* below the header marks */
#define BOTTOM 782.0 /* above the footer marks */
#define BODY_PT 10.5
#define MARK_PT 8.0
#define LINE_GAP 3.0

typedef struct sink {
	fk_pdf_write_fn write;
	void *arg;
	int error; /* the first write's errno */
} sink;

static cairo_status_t to_sink(void *closure, const unsigned char *data, unsigned int n)
{
	sink *s = closure;
	if (s->error)
		return CAIRO_STATUS_WRITE_ERROR;
	int e = s->write(s->arg, data, n);
	if (e) {
		s->error = e;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

void fk_pdf_fmt_jst(int64_t ns, char *buf, size_t len)
{
	/* JST has no summer time: UTC + 9 h, always. */
	time_t t = (time_t)(ns / 1000000000) + 9 * 3600;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M JST", &tm) == 0)
		snprintf(buf, len, "?");
}

/* Untrusted text (a municipality's data) is drawn as the console draws it: unsafe
 * characters replaced, never interpreted (plain text, no pango markup). */
static void set_text(PangoLayout *l, const char *s)
{
	size_t cap = strlen(s) * 3 + 4; /* U+FFFD for a byte at worst */
	char *clean = malloc(cap);
	if (!clean) {
		pango_layout_set_text(l, "", 0);
		return;
	}
	fk_disp_clean(s, clean, cap);
	pango_layout_set_text(l, clean, -1);
	free(clean);
}

static PangoLayout *new_layout(cairo_t *cr, double pt, double width)
{
	PangoLayout *l = pango_cairo_create_layout(cr);
	if (!l)
		return NULL;
	PangoFontDescription *fd = pango_font_description_from_string(FK_PDF_FONT);
	pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		/* A long line wraps by character: Japanese has no spaces to break at. */
		pango_layout_set_wrap(l, PANGO_WRAP_CHAR);
	}
	return l;
}

static double text_at(cairo_t *cr, PangoLayout *l, const char *s, double x, double y, int right)
{
	int w, h;
	set_text(l, s);
	pango_layout_get_size(l, &w, &h);
	cairo_move_to(cr, right ? x - (double)w / PANGO_SCALE : x, y);
	pango_cairo_show_layout(cr, l);
	return (double)h / PANGO_SCALE;
}

static void watermark(cairo_t *cr, PangoLayout *wm)
{
	int w, h;
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.82, 0.82, 0.82);
	cairo_translate(cr, PAGE_W / 2, PAGE_H / 2);
	cairo_rotate(cr, -0.5);
	pango_layout_set_text(wm, "写し", -1);
	pango_layout_get_size(wm, &w, &h);
	cairo_move_to(cr, -(double)w / PANGO_SCALE / 2, -(double)h / PANGO_SCALE / 2);
	pango_cairo_show_layout(cr, wm);
	cairo_restore(cr);
}

static void marks(cairo_t *cr, PangoLayout *ml, const fk_pdf_marks *m, int page, int pages)
{
	char a[512], b[512], when[40];
	fk_pdf_fmt_jst(m->at, when, sizeof when);
	cairo_set_source_rgb(cr, 0, 0, 0);
	snprintf(a, sizeof a, "%s　全部事項証明（写し）", m->bureau ? m->bureau : "");
	text_at(cr, ml, a, MARGIN_X, 40, 0);
	snprintf(b, sizeof b, "出力番号 %s", m->number ? m->number : "");
	text_at(cr, ml, b, PAGE_W - MARGIN_X, 40, 1);
	snprintf(a, sizeof a, "申請番号 %lld　作成者 %s　承認者 %s", (long long)m->request_id,
		 m->operator_user ? m->operator_user : "", m->approver_user ? m->approver_user : "");
	text_at(cr, ml, a, MARGIN_X, 56, 0);
	snprintf(b, sizeof b, "作成日時 %s", when);
	text_at(cr, ml, b, PAGE_W - MARGIN_X, 56, 1);
	cairo_set_line_width(cr, 0.5);
	cairo_move_to(cr, MARGIN_X, 76);
	cairo_line_to(cr, PAGE_W - MARGIN_X, 76);
	cairo_move_to(cr, MARGIN_X, BOTTOM + 8);
	cairo_line_to(cr, PAGE_W - MARGIN_X, BOTTOM + 8);
	cairo_stroke(cr);
	snprintf(a, sizeof a, "出力番号 %s　内容 %s", m->number ? m->number : "",
		 m->content_hash ? m->content_hash : "");
	text_at(cr, ml, a, MARGIN_X, BOTTOM + 14, 0);
	snprintf(b, sizeof b, "%d / %d 頁", page, pages);
	text_at(cr, ml, b, PAGE_W - MARGIN_X, BOTTOM + 14, 1);
}

/* Where each line goes: its top on its page, and the page's first line. */
static int paginate(PangoLayout *body, const fk_lines *lines, double *top, int *first_of_page)
{
	int pages = 1;
	double y = TOP;
	first_of_page[0] = 0;
	for (int i = 0; i < lines->n; i++) {
		int w, h;
		set_text(body, lines->v[i][0] ? lines->v[i] : " ");
		pango_layout_get_size(body, &w, &h);
		double hh = (double)h / PANGO_SCALE + LINE_GAP;
		if (y + hh > BOTTOM && y > TOP) {
			first_of_page[pages++] = i;
			y = TOP;
		}
		top[i] = y;
		y += hh;
	}
	first_of_page[pages] = lines->n;
	return pages;
}

static fk_status draw(cairo_t *cr, const fk_lines *lines, const fk_pdf_marks *m, int *npages,
		      fk_error *err)
{
	double *top = malloc(sizeof *top * (size_t)(lines->n + 1));
	int *first = malloc(sizeof *first * (size_t)(lines->n + 2));
	PangoLayout *body = new_layout(cr, BODY_PT, PAGE_W - 2 * MARGIN_X);
	PangoLayout *ml = new_layout(cr, MARK_PT, 0);
	PangoLayout *wm = new_layout(cr, 150, 0);
	fk_status s = FK_OK;
	if (!top || !first || !body || !ml || !wm) {
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory laying out the PDF");
	} else {
		int pages = paginate(body, lines, top, first);
		for (int p = 0; p < pages; p++) {
			watermark(cr, wm);
			marks(cr, ml, m, p + 1, pages);
			for (int i = first[p]; i < first[p + 1]; i++)
				text_at(cr, body, lines->v[i], MARGIN_X, top[i], 0);
			cairo_show_page(cr);
		}
		*npages = pages;
	}
	if (body)
		g_object_unref(body);
	if (ml)
		g_object_unref(ml);
	if (wm)
		g_object_unref(wm);
	free(top);
	free(first);
	return s;
}

fk_status fk_pdf_render(const fk_lines *lines, const fk_pdf_marks *m, fk_pdf_write_fn write,
			void *arg, int *pages, fk_error *err)
{
	sink sk = {write, arg, 0};
	*pages = 0;
	if (!lines || lines->n < 1)
		return fk_fail(err, FK_ERR_INVALID, "nothing to print");
	cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(to_sink, &sk, PAGE_W, PAGE_H);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sf);
		return fk_fail(err, FK_ERR_NOMEM, "cannot start a PDF");
	}
	/* The document says what it is; nothing personal goes into its metadata. */
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, "全部事項証明（写し）");
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "fukuhon");
	cairo_t *cr = cairo_create(sf);
	fk_status s = cairo_status(cr) == CAIRO_STATUS_SUCCESS ? draw(cr, lines, m, pages, err)
		: fk_fail(err, FK_ERR_NOMEM, "cannot draw a PDF");
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	cairo_status_t cs = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (s != FK_OK)
		return s;
	if (sk.error)
		return fk_fail(err, sk.error == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
			       "writing the PDF failed: %s", strerror(sk.error));
	if (cs != CAIRO_STATUS_SUCCESS)
		return fk_fail(err, FK_ERR_IO, "rendering the PDF failed: %s", cairo_status_to_string(cs));
	return FK_OK;
}
