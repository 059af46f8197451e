/* libFuzzer harness: a package's manifest parsed (fk_manifest_parse; issue 10,
 * R-BATCH-PROTO); what parses is written back and must parse to the same manifest.
 * Build by hand (tests/fuzz/run.sh does it for CI):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icore/base -Icore/text \
 *     tests/fuzz/fuzz_manifest.c core/text/manifest.c core/text/lgcode.c core/base/status.c \
 *     core/base/str.c -ljansson -o fuzz_manifest
 *   ./fuzz_manifest tests/fuzz/corpus/manifest */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_manifest m, back;
	fk_error err;
	if (fk_manifest_parse(data, size, &m, &err) != FK_OK)
		return 0;
	char *s;
	size_t n;
	if (fk_manifest_dump(&m, &s, &n, &err) != FK_OK)
		abort();
	if (fk_manifest_parse((const uint8_t *)s, n, &back, &err) != FK_OK)
		abort();
	if (strcmp(m.municipality, back.municipality) != 0 || m.sequence != back.sequence ||
	    m.kind != back.kind || m.created_at != back.created_at ||
	    memcmp(m.counts, back.counts, sizeof m.counts) != 0 || m.nchunks != back.nchunks ||
	    memcmp(m.chunks, back.chunks, (size_t)m.nchunks * sizeof *m.chunks) != 0)
		abort();
	free(s);
	fk_manifest_clear(&back);
	fk_manifest_clear(&m);
	return 0;
}
