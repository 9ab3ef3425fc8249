/* Capture and playback of 16-bit PCM through PortAudio, blocking, one
 * frame at a time. A missing, wrong or busy device is an error with a
 * cause that says which, never a crash. Only client programs link this
 * (with $(AUDIO_LIBS)); ioed never opens an audio device.
 *
 * PortAudio's ALSA and JACK back ends print many lines on stderr while
 * they probe; these are silenced unless IOE_AUDIO_DEBUG is set. */
#ifndef IOE_AUDIO_DEV_H
#define IOE_AUDIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum audio_dev_dir {
	AUDIO_DEV_CAPTURE,
	AUDIO_DEV_PLAYBACK,
} audio_dev_dir_t;

typedef struct audio_dev audio_dev_t;

/* Opens device (a PortAudio device name as audio_dev_list shows it, or
 * NULL for the default one) for capture or playback of channels at rate,
 * in frames of frame samples. Caller owns return value; NULL with *cause
 * set if there is no such device, it cannot do that, or it is busy. */
audio_dev_t *audio_dev_open(audio_dev_dir_t dir, const char *device,
    unsigned rate, unsigned channels, unsigned frame, char **cause);
/* Stops the stream (playback drains first) and closes it. */
void audio_dev_destroy(audio_dev_t **self_p);
/* Reads frames samples per channel (interleaved) into pcm. Returns 0, or
 * -1 with *cause set. An overflow (samples the device dropped) is
 * counted, not an error. */
int audio_dev_read(
    audio_dev_t *self, int16_t *pcm, size_t frames, char **cause);
/* Writes frames samples per channel. Returns 0, or -1 with *cause set.
 * An underflow is counted, not an error. */
int audio_dev_write(
    audio_dev_t *self, const int16_t *pcm, size_t frames, char **cause);
/* Overflows (capture) or underflows (playback) seen so far. */
unsigned audio_dev_xruns(const audio_dev_t *self);
/* The name of the device opened. */
const char *audio_dev_name(const audio_dev_t *self);
/* The names of the devices that can do dir, one a line. Caller frees;
 * NULL with *cause set if PortAudio cannot start. */
char *audio_dev_list(audio_dev_dir_t dir, char **cause);

void audio_dev_test(bool verbose);

#endif
