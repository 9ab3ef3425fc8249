#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opus.h>

#include "opus-codec.h"
#include "util.h"

struct opus_codec_enc {
	OpusEncoder *enc;
	unsigned rate;
	unsigned frame; /* samples per frame */
};

struct opus_codec_dec {
	OpusDecoder *dec;
	unsigned rate;
	unsigned frame;
};

int
opus_codec_check_rate(unsigned rate, char **cause)
{
	switch (rate) {
	case 8000:
	case 12000:
	case 16000:
	case 24000:
	case 48000:
		return 0;
	}
	return fail(cause,
	    "sample rate %u is not one Opus takes (8000, "
	    "12000, 16000, 24000 or 48000)",
	    rate);
}

unsigned
opus_codec_frame_samples(unsigned rate)
{
	return rate / 1000 * OPUS_CODEC_FRAME_MS;
}

opus_codec_enc_t *
opus_codec_enc_new(unsigned rate, int bitrate, int loss_pct, char **cause)
{
	opus_codec_enc_t *self;
	int err;

	if (opus_codec_check_rate(rate, cause) != 0)
		return NULL;
	if (loss_pct < 0 || loss_pct > 100) {
		fail(cause, "expected loss %d%% is not a percentage", loss_pct);
		return NULL;
	}
	if (bitrate == 0)
		bitrate = OPUS_CODEC_BITRATE;
	if (bitrate < 6000 || bitrate > 510000) {
		fail(cause, "bit rate %d is out of range (6000..510000)",
		    bitrate);
		return NULL;
	}
	self = xcalloc(1, sizeof *self);
	self->rate = rate;
	self->frame = opus_codec_frame_samples(rate);
	self->enc = opus_encoder_create(
	    (opus_int32)rate, 1, OPUS_APPLICATION_VOIP, &err);
	if (self->enc == NULL) {
		fail(cause, "cannot create an Opus encoder: %s",
		    opus_strerror(err));
		free(self);
		return NULL;
	}
	opus_encoder_ctl(self->enc, OPUS_SET_BITRATE(bitrate));
	opus_encoder_ctl(self->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	opus_encoder_ctl(self->enc, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(self->enc, OPUS_SET_PACKET_LOSS_PERC(loss_pct));
	return self;
}

void
opus_codec_enc_destroy(opus_codec_enc_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		opus_encoder_destroy((*self_p)->enc);
		free(*self_p);
		*self_p = NULL;
	}
}

int
opus_codec_encode(opus_codec_enc_t *self, const int16_t *pcm, uint8_t *out,
    size_t max, char **cause)
{
	opus_int32 n;

	if (max > OPUS_CODEC_PACKET_MAX)
		max = OPUS_CODEC_PACKET_MAX;
	n = opus_encode(self->enc, pcm, (int)self->frame, out, (opus_int32)max);
	if (n < 0)
		return fail(
		    cause, "cannot encode an Opus frame: %s", opus_strerror(n));
	return n;
}

unsigned
opus_codec_enc_lookahead(opus_codec_enc_t *self)
{
	opus_int32 lookahead = 0;

	opus_encoder_ctl(self->enc, OPUS_GET_LOOKAHEAD(&lookahead));
	return (unsigned)lookahead;
}

opus_codec_dec_t *
opus_codec_dec_new(unsigned rate, char **cause)
{
	opus_codec_dec_t *self;
	int err;

	if (opus_codec_check_rate(rate, cause) != 0)
		return NULL;
	self = xcalloc(1, sizeof *self);
	self->rate = rate;
	self->frame = opus_codec_frame_samples(rate);
	self->dec = opus_decoder_create((opus_int32)rate, 1, &err);
	if (self->dec == NULL) {
		fail(cause, "cannot create an Opus decoder: %s",
		    opus_strerror(err));
		free(self);
		return NULL;
	}
	return self;
}

void
opus_codec_dec_destroy(opus_codec_dec_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		opus_decoder_destroy((*self_p)->dec);
		free(*self_p);
		*self_p = NULL;
	}
}

int
opus_codec_decode(opus_codec_dec_t *self, const uint8_t *packet, size_t len,
    int16_t *pcm, char **cause)
{
	int n;

	if (packet != NULL && len == 0)
		packet = NULL;
	if (len > OPUS_CODEC_PACKET_MAX * 3)
		return fail(
		    cause, "an Opus packet of %zu bytes is too long", len);
	n = opus_decode(
	    self->dec, packet, (opus_int32)len, pcm, (int)self->frame, 0);
	if (n < 0)
		return fail(cause, "cannot decode an Opus packet: %s",
		    opus_strerror(n));
	return n;
}

int
opus_codec_decode_fec(opus_codec_dec_t *self, const uint8_t *next, size_t len,
    int16_t *pcm, char **cause)
{
	int n;

	if (next == NULL || len == 0)
		return opus_codec_decode(self, NULL, 0, pcm, cause);
	if (len > OPUS_CODEC_PACKET_MAX * 3)
		return fail(
		    cause, "an Opus packet of %zu bytes is too long", len);
	/* With decode_fec, frame_size must be the lost frame's duration. */
	n = opus_decode(
	    self->dec, next, (opus_int32)len, pcm, (int)self->frame, 1);
	if (n < 0)
		return fail(cause,
		    "cannot decode the FEC data of an Opus "
		    "packet: %s",
		    opus_strerror(n));
	return n;
}

/* Speech-like test signal: a vowel-ish sum of harmonics whose pitch and
 * loudness glide, so that the encoder's SILK layer is exercised. */
static void
opus_codec_test_signal(int16_t *pcm, size_t n, unsigned rate)
{
	double phase = 0;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / rate;
		double f0 = 140 + 40 * sin(2 * M_PI * 1.5 * t);
		double env = 0.5 + 0.5 * sin(2 * M_PI * 3 * t);
		double s = 0;

		phase += 2 * M_PI * f0 / rate;
		for (int h = 1; h <= 8; h++)
			s += sin(h * phase) / h;
		pcm[i] = (int16_t)(6000 * env * s);
	}
}

/* Normalized cross-correlation of out against ref, out lagging by lag. */
static double
opus_codec_test_ncc(
    const int16_t *ref, const int16_t *out, size_t n, size_t lag)
{
	double xy = 0, xx = 0, yy = 0;

	for (size_t i = 0; i + lag < n; i++) {
		xy += (double)ref[i] * out[i + lag];
		xx += (double)ref[i] * ref[i];
		yy += (double)out[i + lag] * out[i + lag];
	}
	return xy / sqrt(xx * yy + 1);
}

/* Encodes 2 s at rate, decodes with every 5th packet lost (mode 0: none,
 * 1: PLC, 2: FEC from the next packet). Returns the
 * correlation of output and input. */
static double
opus_codec_test_run(unsigned rate, int mode)
{
	unsigned frame = opus_codec_frame_samples(rate), nframes = 100;
	size_t n = (size_t)frame * nframes;
	int16_t *in = xcalloc(n, sizeof *in), *out = xcalloc(n, sizeof *out);
	uint8_t(*pkt)[OPUS_CODEC_PACKET_MAX] = xcalloc(nframes, sizeof *pkt);
	int *len = xcalloc(nframes, sizeof *len);
	opus_codec_enc_t *enc = opus_codec_enc_new(rate, 0, 20, NULL);
	opus_codec_dec_t *dec = opus_codec_dec_new(rate, NULL);
	double ncc;

	assert(enc != NULL && dec != NULL);
	opus_codec_test_signal(in, n, rate);
	for (unsigned i = 0; i < nframes; i++) {
		len[i] = opus_codec_encode(
		    enc, in + i * frame, pkt[i], sizeof pkt[i], NULL);
		assert(len[i] > 0 && len[i] < 200);
	}
	for (unsigned i = 0; i < nframes; i++) {
		bool lost = mode != 0 && i % 5 == 2;
		int got;

		if (!lost)
			got = opus_codec_decode(
			    dec, pkt[i], (size_t)len[i], out + i * frame, NULL);
		else if (mode == 1)
			got = opus_codec_decode(
			    dec, NULL, 0, out + i * frame, NULL);
		else
			got = opus_codec_decode_fec(dec, pkt[i + 1],
			    (size_t)len[i + 1], out + i * frame, NULL);
		assert(got == (int)frame);
	}
	ncc = opus_codec_test_ncc(in, out, n, opus_codec_enc_lookahead(enc));
	opus_codec_enc_destroy(&enc);
	opus_codec_dec_destroy(&dec);
	free(in);
	free(out);
	free(pkt);
	free(len);
	return ncc;
}

void
opus_codec_test(bool verbose)
{
	char *cause = NULL;
	opus_codec_dec_t *dec;
	int16_t pcm[OPUS_CODEC_FRAME_MAX];
	uint8_t junk[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	double clean, plc, fec;

	if (verbose)
		printf(" * opus-codec: ");
	assert(opus_codec_frame_samples(16000) == 320);
	assert(opus_codec_frame_samples(48000) == 960);
	assert(opus_codec_enc_new(44100, 0, 10, &cause) == NULL);
	assert(strstr(cause, "44100") != NULL);
	free(cause);
	cause = NULL;
	assert(opus_codec_enc_new(16000, 0, 101, &cause) == NULL);
	free(cause);
	cause = NULL;
	assert(opus_codec_dec_new(22050, &cause) == NULL);
	free(cause);
	cause = NULL;

	/* A corrupt packet is an error, not a crash. */
	dec = opus_codec_dec_new(16000, NULL);
	assert(opus_codec_decode(dec, junk, sizeof junk, pcm, &cause) == -1);
	assert(cause != NULL);
	free(cause);
	opus_codec_dec_destroy(&dec);
	opus_codec_dec_destroy(&dec);

	/* Encode, decode, and the two ways of filling a lost frame: FEC
	 * must beat concealment, and both stay close to the clean run. */
	for (unsigned rate = 16000; rate <= 48000; rate += 32000) {
		clean = opus_codec_test_run(rate, 0);
		plc = opus_codec_test_run(rate, 1);
		fec = opus_codec_test_run(rate, 2);
		if (verbose)
			printf("%u Hz: correlation %.3f clean, %.3f with "
			       "20%% lost (PLC), %.3f (FEC); ",
			    rate, clean, plc, fec);
		assert(clean > 0.7);
		assert(fec > plc);
		assert(plc > 0.5);
	}
	if (verbose)
		printf("OK\n");
}
