/* The ZAP handler: lets every CURVE client finish its handshake and
 * hands its public key to the application as the User-Id of each frame.
 * Admission is decided afterwards, on the certificate the first message
 * of the link carries, which must name that same key. czmq's zauth gives
 * an empty User-Id in CURVE_ALLOW_ANY mode, hence this actor. */
#ifndef IOED_ZAP_H
#define IOED_ZAP_H

#include <czmq.h>

/* Starts the handler; it is ready when this returns. Destroy it with
 * zactor_destroy before the process ends. */
zactor_t *zap_new(void);

#endif
