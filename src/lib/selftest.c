/* ioe-selftest: runs the self-test of each library class, czmq style.
 * Usage: ioe-selftest [-v] [-t NAME] */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audio-dev.h"
#include "blobs.h"
#include "conf.h"
#include "crypto.h"
#include "entry.h"
#include "floor.h"
#include "fpath.h"
#include "gossip.h"
#include "identity.h"
#include "jitter.h"
#include "mixer.h"
#include "oggopus.h"
#include "opus-codec.h"
#include "pki.h"
#include "wire.h"
#include "store.h"
#include "selftest.h"
#include "voice-client.h"
#include "wav.h"

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
	{ "wav", wav_test },
	{ "opus-codec", opus_codec_test },
	{ "oggopus", oggopus_test },
	{ "jitter", jitter_test },
	{ "mixer", mixer_test },
	{ "floor", floor_test },
	{ "audio-dev", audio_dev_test },
	{ "voice-client", voice_client_test },
};

int
main(int argc, char **argv)
{
	return selftest_main("ioe-selftest", tests, sizeof tests / sizeof *tests,
	    argc, argv);
}
