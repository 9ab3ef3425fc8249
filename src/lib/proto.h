/* The control API between ioed and its clients; see ioe-protocol(7).
 * Bump IOE_PROTOCOL_VERSION if any of these change. */
#ifndef IOE_PROTO_H
#define IOE_PROTO_H

#define IOE_PROTOCOL_VERSION 4

#define CTL_SOCKET_NAME "ctl"
#define EVENTS_SOCKET_NAME "events"
/* Voice frames between ioed and its clients (doc/voice.md). */
#define VOICE_SOCKET_NAME "voice"
#define VOICE_SOCKET_VERSION "1"
/* Larger requests are cut off by ZeroMQ before they are read. */
#define CTL_REQUEST_MAX (4 * 1024 * 1024)

/* Error codes in replies. */
#define CTL_E_BAD_REQUEST "bad_request"
#define CTL_E_UNKNOWN_METHOD "unknown_method"
#define CTL_E_VERSION "version_mismatch"
#define CTL_E_NOT_FOUND "not_found"
#define CTL_E_AMBIGUOUS "ambiguous"
#define CTL_E_INVALID "invalid"
#define CTL_E_STORE "store_error"
#define CTL_E_TOO_LARGE "too_large"
#define CTL_E_QUOTA "quota_exceeded"
#define CTL_E_EXISTS "exists"
/* The request needs a choice the caller must make (which user): the
 * command line treats it as a usage error. */
#define CTL_E_USAGE "usage"

#endif
