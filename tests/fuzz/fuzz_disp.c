/* libFuzzer harness: the display sanitiser on any bytes (the first picks a width). What it
 * gives is valid UTF-8, measured as it says, a fixed point of itself, and fits the width asked
 * for; a kept byte's mark (U+10FF00 + byte, docs/package-format.md) is never cut apart. */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disp.h"
#include "norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fit(const char *s, int width)
{
	char out[4 * 64 + 4]; /* disp.h: about 4 * width + 4 bytes */
	int cut = fk_disp_fit(s, width, out, 4 * (size_t)width + 4);
	if (!fk_utf8_valid(out, strlen(out)) || fk_disp_width(out) != width)
		abort();
	/* Not cut (at a width of 0 nothing is shown, and nothing is said cut): all of the text,
	 * sanitised, then spaces. */
	int w;
	char *whole = cut || !width ? NULL : fk_disp_dup(s, 0, &w);
	if (whole && (strncmp(out, whole, strlen(whole)) ||
		      strspn(out + strlen(whole), " ") != strlen(out + strlen(whole))))
		abort();
	free(whole);
}

static void check_clean(const char *s, size_t room)
{
	char out[64];
	int w = fk_disp_clean(s, out, room);
	if (!fk_utf8_valid(out, strlen(out)) || fk_disp_width(out) != w)
		abort();
}

static void check_dup(const char *s)
{
	int w, w2;
	char *d = fk_disp_dup(s, 0, &w), *d2;
	if (!d)
		return;
	if (w != fk_disp_width(s) || strlen(d) > 3 * strlen(s) || !fk_utf8_valid(d, strlen(d)))
		abort();
	d2 = fk_disp_dup(d, 0, &w2);
	if (d2 && (strcmp(d, d2) || w2 != w))
		abort();
	free(d);
	free(d2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = setlocale(LC_ALL, "C.UTF-8") != NULL;
	if (size < 1)
		return 0;
	char *s = strndup((const char *)data + 1, size - 1);
	if (!s)
		return 0;
	check_fit(s, data[0] % 64);
	check_clean(s, 1 + data[0] % 64);
	check_dup(s);
	free(s);
	return 0;
}
