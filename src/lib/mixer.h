/* Mixing several talkers' 16-bit PCM into one signal. The sum is kept
 * under a ceiling by a limiter (its gain drops at once when a sample would
 * pass the ceiling and recovers over about 50 ms), so that loud talkers
 * together are turned down, never wrapped around or hard-clipped. */
#ifndef IOE_MIXER_H
#define IOE_MIXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIXER_CEILING 29491 /* 0.9 of full scale */

typedef struct mixer mixer_t;

/* A mixer for signals at rate (for the limiter's recovery time). Caller
 * owns return value. */
mixer_t *mixer_new(unsigned rate);
void mixer_destroy(mixer_t **self_p);
/* Mixes n inputs of samples each into out (which may be one of them).
 * NULL inputs are skipped; with none, out is silence. */
void mixer_mix(mixer_t *self, const int16_t *const *in, size_t n,
    size_t samples, int16_t *out);
/* The limiter's gain now, 0..1. */
double mixer_gain(const mixer_t *self);

void mixer_test(bool verbose);

#endif
