#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "wav.h"

#define WAV_FORMAT_PCM        1
#define WAV_FORMAT_EXTENSIBLE 0xfffe
#define WAV_FILE_MAX          ((size_t)1 << 31)

wav_t *
wav_new(unsigned rate, unsigned channels, size_t frames)
{
	wav_t *self = xcalloc(1, sizeof *self);

	self->rate = rate;
	self->channels = channels;
	self->frames = frames;
	self->samples = xcalloc(frames * channels + 1, sizeof *self->samples);
	return self;
}

void
wav_destroy(wav_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		free((*self_p)->samples);
		free(*self_p);
		*self_p = NULL;
	}
}

/* Checks the fmt chunk's fields. Returns 0, or -1 with *cause set. */
static int
wav_check_fmt(const uint8_t *p, size_t size, const char *name, unsigned *rate,
    unsigned *channels, char **cause)
{
	unsigned format, bits, align;

	if (size < 16)
		return fail(cause,
		    "'%s': the fmt chunk is %zu bytes, too short "
		    "for a WAV header",
		    name, size);
	format = le16_get(p);
	*channels = le16_get(p + 2);
	*rate = le32_get(p + 4);
	align = le16_get(p + 12);
	bits = le16_get(p + 14);
	if (format == WAV_FORMAT_EXTENSIBLE) {
		/* The sub-format GUID starts with the format tag. */
		if (size < 40)
			return fail(cause,
			    "'%s': the fmt chunk is extensible "
			    "but only %zu bytes",
			    name, size);
		format = le16_get(p + 24);
	}
	if (format != WAV_FORMAT_PCM)
		return fail(cause,
		    "'%s': format tag %u is not PCM (1); only "
		    "16-bit PCM is supported",
		    name, format);
	if (bits != 16)
		return fail(cause,
		    "'%s': %u bits per sample; only 16-bit PCM "
		    "is supported",
		    name, bits);
	if (*channels != 1 && *channels != 2)
		return fail(cause,
		    "'%s': %u channels; only mono and stereo "
		    "are supported",
		    name, *channels);
	if (*rate == 0 || *rate > WAV_RATE_MAX)
		return fail(cause,
		    "'%s': sample rate %u is out of range "
		    "(1..%u)",
		    name, *rate, WAV_RATE_MAX);
	if (align != *channels * 2)
		return fail(cause,
		    "'%s': block align %u does not match %u "
		    "channels of 16 bits",
		    name, align, *channels);
	return 0;
}

wav_t *
wav_parse(const void *data, size_t len, const char *name, char **cause)
{
	const uint8_t *p = data, *fmt = NULL;
	size_t off = 12;
	unsigned rate = 0, channels = 0;
	wav_t *self;

	if (len < 12) {
		fail(cause,
		    "'%s': truncated: %zu bytes, not even a RIFF header", name,
		    len);
		return NULL;
	}
	if (memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WAVE", 4) != 0) {
		fail(cause, "'%s': not a WAV file (no RIFF/WAVE header)", name);
		return NULL;
	}
	while (off + 8 <= len) {
		const uint8_t *id = p + off;
		size_t size = le32_get(p + off + 4);

		off += 8;
		if (memcmp(id, "fmt ", 4) == 0) {
			if (size > len - off) {
				fail(cause, "'%s': truncated in the fmt chunk",
				    name);
				return NULL;
			}
			if (wav_check_fmt(p + off, size, name, &rate, &channels,
			        cause) != 0)
				return NULL;
			fmt = p + off;
		} else if (memcmp(id, "data", 4) == 0) {
			size_t frames;

			if (fmt == NULL) {
				fail(cause,
				    "'%s': the data chunk comes before "
				    "the fmt chunk",
				    name);
				return NULL;
			}
			if (size > len - off) {
				fail(cause,
				    "'%s': truncated: the data chunk "
				    "says %zu bytes, %zu are there",
				    name, size, len - off);
				return NULL;
			}
			if (size % (channels * 2) != 0) {
				fail(cause,
				    "'%s': the data chunk's size %zu is "
				    "not a whole number of frames",
				    name, size);
				return NULL;
			}
			frames = size / (channels * 2);
			self = wav_new(rate, channels, frames);
			for (size_t i = 0; i < frames * channels; i++)
				self->samples[i] =
				    (int16_t)le16_get(p + off + 2 * i);
			return self;
		}
		if (size > len - off)
			break;
		off += size + (size & 1);
	}
	fail(cause, "'%s': truncated: no %s chunk", name,
	    fmt == NULL ? "fmt" : "data");
	return NULL;
}

wav_t *
wav_read(const char *path, char **cause)
{
	size_t len;
	char *data = read_file(path, WAV_FILE_MAX, &len, cause);
	wav_t *self;

	if (data == NULL)
		return NULL;
	self = wav_parse(data, len, path, cause);
	free(data);
	return self;
}

uint8_t *
wav_encode(const int16_t *samples, size_t frames, unsigned rate,
    unsigned channels, size_t *len)
{
	size_t bytes = frames * channels * 2;
	uint8_t *p = xcalloc(44 + bytes, 1);

	memcpy(p, "RIFF", 4);
	le32_put(p + 4, (uint32_t)(36 + bytes));
	memcpy(p + 8, "WAVEfmt ", 8);
	le32_put(p + 16, 16);
	le16_put(p + 20, WAV_FORMAT_PCM);
	le16_put(p + 22, channels);
	le32_put(p + 24, rate);
	le32_put(p + 28, rate * channels * 2);
	le16_put(p + 32, channels * 2);
	le16_put(p + 34, 16);
	memcpy(p + 36, "data", 4);
	le32_put(p + 40, (uint32_t)bytes);
	for (size_t i = 0; i < frames * channels; i++)
		le16_put(p + 44 + 2 * i, (uint16_t)samples[i]);
	*len = 44 + bytes;
	return p;
}

int
wav_write(const char *path, const int16_t *samples, size_t frames,
    unsigned rate, unsigned channels, char **cause)
{
	size_t len;
	uint8_t *p;
	int rc;

	if (channels != 1 && channels != 2)
		return fail(cause,
		    "'%s': %u channels; only mono and stereo "
		    "are supported",
		    path, channels);
	if (frames * channels * 2 > WAV_FILE_MAX - 44)
		return fail(cause,
		    "'%s': %zu frames is too long for a WAV "
		    "file",
		    path, frames);
	p = wav_encode(samples, frames, rate, channels, &len);
	rc = write_file_atomic(path, p, len, 0644, cause);
	free(p);
	return rc;
}

/* Expects parsing the bytes to fail with a cause holding want. */
static void
wav_expect_refused(const uint8_t *p, size_t len, const char *want)
{
	char *cause = NULL;
	wav_t *w = wav_parse(p, len, "t.wav", &cause);

	assert(w == NULL);
	assert(cause != NULL);
	if (strstr(cause, want) == NULL || strstr(cause, "'t.wav'") == NULL) {
		fprintf(stderr, "wav: '%s' lacks '%s'\n", cause, want);
		assert(0);
	}
	free(cause);
}

void
wav_test(bool verbose)
{
	/* A field of the header set to a value that must be refused. */
	static const struct {
		size_t offset, width;
		uint32_t value;
		const char *want;
	} bad[] = {
	    {34, 2, 24, "24 bits per sample"},
	    {20, 2, 3, "format tag 3"},
	    {22, 2, 6, "6 channels"},
	    {24, 4, 0, "sample rate 0"},
	    {32, 2, 3, "block align 3"},
	    {40, 4, 401, "data chunk says 401 bytes"},
	};
	int16_t stereo[2 * 100];
	uint8_t *p, *q;
	size_t len;
	char dir[] = "/tmp/ioe-wav-XXXXXX", *path, *cause = NULL;
	wav_t *w;

	if (verbose)
		printf(" * wav: ");
	for (int i = 0; i < 200; i++)
		stereo[i] = (int16_t)(i * 331 - 32768);
	p = wav_encode(stereo, 100, 22050, 2, &len);
	assert(len == 44 + 400);
	w = wav_parse(p, len, "t.wav", NULL);
	assert(w != NULL && w->rate == 22050 && w->channels == 2);
	assert(w->frames == 100);
	assert(memcmp(w->samples, stereo, sizeof stereo) == 0);
	wav_destroy(&w);
	wav_destroy(&w);

	/* Through a file, mono, with an unknown chunk (odd size, padded)
	 * before the data. */
	assert(mkdtemp(dir) != NULL);
	path = xasprintf("%s/a.wav", dir);
	assert(wav_write(path, stereo, 200, 8000, 1, NULL) == 0);
	w = wav_read(path, NULL);
	assert(w != NULL && w->rate == 8000 && w->channels == 1);
	assert(w->frames == 200 && w->samples[199] == stereo[199]);
	wav_destroy(&w);
	q = xcalloc(len + 10, 1);
	memcpy(q, p, 36);
	memcpy(q + 36, "LIST\001\0\0\0x\0", 10);
	memcpy(q + 46, p + 36, len - 36);
	w = wav_parse(q, len + 10, "t.wav", NULL);
	assert(w != NULL && w->frames == 100);
	wav_destroy(&w);
	free(q);

	/* Every truncation is an error, never a crash. */
	for (size_t n = 0; n < len; n++) {
		assert(wav_parse(p, n, "t.wav", &cause) == NULL);
		assert(cause != NULL && strstr(cause, "'t.wav'") != NULL);
		free(cause);
		cause = NULL;
	}
	wav_expect_refused(p, 43, "truncated");
	wav_expect_refused(p, 10, "truncated");

	/* Each refused field is named. */
	q = xcalloc(len, 1);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		memcpy(q, p, len);
		if (bad[i].width == 2)
			le16_put(q + bad[i].offset, (uint16_t)bad[i].value);
		else
			le32_put(q + bad[i].offset, bad[i].value);
		wav_expect_refused(q, len, bad[i].want);
	}
	memcpy(q, p, len);
	memcpy(q + 8, "AVI ", 4);
	wav_expect_refused(q, len, "not a WAV file");
	free(q);
	free(p);

	assert(wav_read("/nonexistent/x.wav", &cause) == NULL);
	assert(strstr(cause, "/nonexistent/x.wav") != NULL);
	free(cause);
	cause = NULL;
	assert(wav_write(path, stereo, 1, 8000, 3, &cause) == -1);
	free(cause);
	unlink(path);
	rmdir(dir);
	free(path);
	if (verbose)
		printf("OK\n");
}
