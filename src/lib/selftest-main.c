#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "selftest.h"

int
selftest_main(const char *prog, const selftest_t *tests, size_t n, int argc,
    char **argv)
{
	const char *only = NULL;
	bool verbose = false, found = false;
	int c;

	while ((c = getopt(argc, argv, "t:vl")) != -1) {
		switch (c) {
		case 't': only = optarg; break;
		case 'v': verbose = true; break;
		case 'l':
			for (size_t i = 0; i < n; i++)
				puts(tests[i].name);
			return 0;
		default:
			fprintf(stderr, "usage: %s [-lv] [-t NAME]\n", prog);
			return 2;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (only != NULL && strcmp(only, tests[i].name) != 0)
			continue;
		found = true;
		if (verbose)
			printf(" * %s\n", tests[i].name);
		tests[i].test(verbose);
	}
	if (!found) {
		fprintf(stderr, "%s: no test '%s'\n", prog, only);
		return 2;
	}
	return 0;
}
