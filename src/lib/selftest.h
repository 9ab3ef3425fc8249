/* The runner every self-test program shares (czmq style): -l lists the
 * tests, -t NAME runs one, -v says what runs. */
#ifndef IOE_SELFTEST_H
#define IOE_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct selftest {
	const char *name;
	void (*test)(bool verbose);
} selftest_t;

/* Runs tests as argv asks. Returns the exit status (2: usage or unknown
 * test); a failing test aborts. */
int selftest_main(const char *prog, const selftest_t *tests, size_t n,
    int argc, char **argv);

#endif
