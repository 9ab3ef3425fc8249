/* The subcommands of test-tool that live in their own files. */
#ifndef IOE_TEST_TOOL_H
#define IOE_TEST_TOOL_H

#include <stdint.h>

int test_audio_play(const char *path, const char *device);
int test_audio_capture(const char *path, double seconds, unsigned rate,
    unsigned channels, const char *device);
int test_wav_compare(const char *ref, const char *test, unsigned maxlag_ms,
    unsigned segment_ms);
int test_voice_roundtrip(const char *in, const char *out, unsigned loss_pct,
    uint32_t seed, unsigned jitter_ms);
int test_files_store(const char *dir, const char *name, const char *path,
    const char *user, int nlocal, char **locals);

/* listen: mode "listen" (prio unused); else TALK with mode and prio. */
int test_voice_raw(const char *dir, const char *room, const char *user,
    const char *mode, const char *prio, double seconds);
int test_voice_fake_daemon(const char *dir);
int test_ctl_fake(const char *dir, const char *result_path);

#endif
