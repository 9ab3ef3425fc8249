/* Opus for voice: 20 ms frames of mono 16-bit PCM, 16 kHz by default (any
 * rate Opus takes: 8, 12, 16, 24 or 48 kHz), the VOIP application, in-band
 * FEC on. The decoder conceals a lost frame (PLC) or rebuilds it from the
 * FEC data carried by the next packet. */
#ifndef IOE_OPUS_CODEC_H
#define IOE_OPUS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPUS_CODEC_RATE       16000 /* default sample rate */
#define OPUS_CODEC_FRAME_MS   20    /* one packet */
#define OPUS_CODEC_BITRATE    24000 /* default bit rate, bits/s */
#define OPUS_CODEC_LOSS       10    /* default expected loss, percent */
#define OPUS_CODEC_PACKET_MAX 1276  /* an Opus packet's upper bound */
#define OPUS_CODEC_FRAME_MAX  960   /* samples in 20 ms at 48 kHz */

typedef struct opus_codec_enc opus_codec_enc_t;
typedef struct opus_codec_dec opus_codec_dec_t;

/* Returns 0 if Opus takes rate (8000, 12000, 16000, 24000, 48000), else -1
 * with *cause set. */
int opus_codec_check_rate(unsigned rate, char **cause);
/* Samples in one 20 ms frame at rate. */
unsigned opus_codec_frame_samples(unsigned rate);

/* A mono encoder at rate, bitrate bits/s (0: the default), expecting
 * loss_pct percent of packets lost (FEC is sized for it). Caller owns
 * return value; NULL with *cause set on failure. */
opus_codec_enc_t *opus_codec_enc_new(
    unsigned rate, int bitrate, int loss_pct, char **cause);
void opus_codec_enc_destroy(opus_codec_enc_t **self_p);
/* Encodes one frame (opus_codec_frame_samples samples) into out (size
 * max). Returns the packet's length, or -1 with *cause set. */
int opus_codec_encode(opus_codec_enc_t *self, const int16_t *pcm, uint8_t *out,
    size_t max, char **cause);
/* The encoder's look-ahead in samples at its rate: the decoded signal lags
 * the input by this much. */
unsigned opus_codec_enc_lookahead(opus_codec_enc_t *self);

/* A mono decoder at rate. Caller owns return value. */
opus_codec_dec_t *opus_codec_dec_new(unsigned rate, char **cause);
void opus_codec_dec_destroy(opus_codec_dec_t **self_p);
/* Decodes a packet into one frame of pcm (opus_codec_frame_samples); with
 * packet NULL, conceals a lost frame (PLC). Returns the number of samples,
 * or -1 with *cause set (a corrupt packet). */
int opus_codec_decode(opus_codec_dec_t *self, const uint8_t *packet, size_t len,
    int16_t *pcm, char **cause);
/* Rebuilds the lost frame before next from next's FEC data (PLC if next
 * carries none). Then decode next itself as usual. Returns the number of
 * samples, or -1 with *cause set. */
int opus_codec_decode_fec(opus_codec_dec_t *self, const uint8_t *next,
    size_t len, int16_t *pcm, char **cause);

void opus_codec_test(bool verbose);

#endif
