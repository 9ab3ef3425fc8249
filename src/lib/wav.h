/* PCM WAV files: 16-bit signed samples, one or two channels, any rate.
 * Anything else is refused with the file and the field named. */
#ifndef IOE_WAV_H
#define IOE_WAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WAV_RATE_MAX 384000

typedef struct wav {
	unsigned rate;     /* samples per second per channel */
	unsigned channels; /* 1 or 2 */
	size_t frames;     /* samples per channel */
	int16_t *samples;  /* frames * channels, interleaved */
} wav_t;

/* Parses the bytes of a WAV file; name is what errors call it. Caller owns
 * return value. Returns NULL with *cause set if the file is not 16-bit PCM
 * of one or two channels, or is truncated. */
wav_t *wav_parse(const void *data, size_t len, const char *name, char **cause);
/* Reads and parses the file at path. Caller owns return value. */
wav_t *wav_read(const char *path, char **cause);
/* A new wav of frames samples per channel, all zero. Caller owns return
 * value. */
wav_t *wav_new(unsigned rate, unsigned channels, size_t frames);
void wav_destroy(wav_t **self_p);

/* The bytes of a WAV file holding the samples. Caller frees; *len is set. */
uint8_t *wav_encode(const int16_t *samples, size_t frames, unsigned rate,
    unsigned channels, size_t *len);
/* Writes the samples to path (atomically). Returns 0, or -1 with *cause
 * set. */
int wav_write(const char *path, const int16_t *samples, size_t frames,
    unsigned rate, unsigned channels, char **cause);

void wav_test(bool verbose);

#endif
