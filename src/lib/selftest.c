/* ioe-selftest: runs the self-test of each library class, czmq style.
 * Usage: ioe-selftest [-v] [-t NAME] */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blobs.h"
#include "conf.h"
#include "crypto.h"
#include "entry.h"
#include "fpath.h"
#include "gossip.h"
#include "identity.h"
#include "pki.h"
#include "wire.h"
#include "store.h"
#include "selftest.h"

void util_test(bool verbose);
void views_files_test(bool verbose);

static const selftest_t tests[] = {
	{ "util", util_test },
	{ "crypto", crypto_test },
	{ "entry", entry_test },
	{ "identity", identity_test },
	{ "store", store_test },
	{ "conf", conf_test },
	{ "pki", pki_test },
	{ "gossip", gossip_test },
	{ "wire", wire_test },
	{ "fpath", fpath_test },
	{ "blobs", blobs_test },
	{ "views-files", views_files_test },
};

int
main(int argc, char **argv)
{
	return selftest_main("ioe-selftest", tests, sizeof tests / sizeof *tests,
	    argc, argv);
}
