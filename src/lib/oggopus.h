/* Ogg Opus files (RFC 7845, RFC 3533): a writer for recordings of talk
 * spurts, with the talker and the time as comments, and a reader good
 * enough to check what the writer made. Mono, mapping family 0. The pages
 * and their CRCs are made here; no libogg. */
#ifndef IOE_OGGOPUS_H
#define IOE_OGGOPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct oggopus_writer oggopus_writer_t;

/* A writer for packets of an encoder at input_rate whose look-ahead is
 * lookahead samples at that rate (the pre-skip). talker and time_us go in
 * the comments TALKER= and DATE= (ISO 8601, UTC). Caller owns return
 * value; NULL with *cause set if input_rate is not one Opus takes. */
oggopus_writer_t *oggopus_writer_new(unsigned input_rate, unsigned lookahead,
    const char *talker, int64_t time_us, char **cause);
void oggopus_writer_destroy(oggopus_writer_t **self_p);
/* Adds one Opus packet (its duration read from its TOC). Returns 0, or -1
 * with *cause set if the packet is malformed. */
int oggopus_writer_add(
    oggopus_writer_t *self, const uint8_t *packet, size_t len, char **cause);
/* Ends the stream. samples is the length of the original signal at
 * input_rate, so that players trim the padding of the last packet; -1
 * keeps every decoded sample. Returns the file's bytes (owned by the
 * writer, valid until it is destroyed) and their count. */
const uint8_t *oggopus_writer_finish(
    oggopus_writer_t *self, int64_t samples, size_t *len);

typedef struct oggopus_packet {
	const uint8_t *data; /* points into the file's bytes */
	size_t len;
} oggopus_packet_t;

typedef struct oggopus_file {
	unsigned channels;
	unsigned preskip; /* samples at 48 kHz */
	unsigned input_rate;
	char *vendor;
	char **comments;           /* "KEY=value", NULL-terminated */
	oggopus_packet_t *packets; /* the audio packets, in order */
	size_t npackets;
	int64_t granule; /* the last page's granule position */
	uint8_t *data;   /* a copy of the file */
} oggopus_file_t;

/* Parses an Ogg Opus file of one logical stream, checking each page's
 * CRC, sequence and the headers. Caller owns return value; NULL with
 * *cause set (naming name) if it is not a well-formed one. */
oggopus_file_t *oggopus_parse(
    const void *data, size_t len, const char *name, char **cause);
void oggopus_file_destroy(oggopus_file_t **self_p);
/* The value of comment KEY, or NULL. Points into the file. */
const char *oggopus_file_comment(const oggopus_file_t *self, const char *key);
/* Decoded length at 48 kHz after pre-skip and end trimming. */
int64_t oggopus_file_samples48(const oggopus_file_t *self);

/* The Ogg CRC-32 (polynomial 0x04c11db7, not reflected, initial 0). */
uint32_t oggopus_crc(uint32_t crc, const uint8_t *p, size_t len);

void oggopus_test(bool verbose);

#endif
