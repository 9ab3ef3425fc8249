/* ioe-selftest: runs the self-test of each library class, czmq style.
 * Usage: ioe-selftest [-v] [-t NAME] */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "entry.h"
#include "gossip.h"
#include "identity.h"
#include "pki.h"
#include "wire.h"
#include "store.h"

void util_test(bool verbose);

static const struct {
	const char *name;
	void (*test)(bool);
} tests[] = {
	{ "util", util_test },
	{ "crypto", crypto_test },
	{ "entry", entry_test },
	{ "identity", identity_test },
	{ "store", store_test },
	{ "conf", conf_test },
	{ "pki", pki_test },
	{ "gossip", gossip_test },
	{ "wire", wire_test },
};

int
main(int argc, char **argv)
{
	const char *only = NULL;
	bool verbose = false, found = false;
	int c;

	while ((c = getopt(argc, argv, "t:vl")) != -1) {
		switch (c) {
		case 't': only = optarg; break;
		case 'v': verbose = true; break;
		case 'l':
			for (size_t i = 0; i < sizeof tests / sizeof *tests; i++)
				puts(tests[i].name);
			return 0;
		default:
			fprintf(stderr, "usage: ioe-selftest [-lv] [-t NAME]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
		if (only != NULL && strcmp(only, tests[i].name) != 0)
			continue;
		found = true;
		if (verbose)
			printf(" * %s\n", tests[i].name);
		tests[i].test(verbose);
	}
	if (!found) {
		fprintf(stderr, "ioe-selftest: no test '%s'\n", only);
		return 2;
	}
	return 0;
}
