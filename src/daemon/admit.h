/* Admission to the mesh: this node's certificate, the mesh CA, and the
 * checks a neighbour must pass before its link is up. */
#ifndef IOED_ADMIT_H
#define IOED_ADMIT_H

#include <stdint.h>

#include "node.h"

typedef struct admit_info {
	char name[64];
	uint8_t key[32];	/* Ed25519 signing key */
	char transport[41];	/* CURVE key, z85 */
	char serial[41];
	int64_t not_after;	/* Unix seconds */
} admit_info_t;

typedef struct admit admit_t;

/* Loads DIR/pki/ca.crt and DIR/pki/node.crt and checks that this node's
 * certificate is valid and names this node's keys. Returns NULL with
 * *cause saying what is missing. Caller owns return value. */
admit_t *admit_new(node_t *node, char **cause);
void admit_destroy(admit_t **self_p);
const char *admit_cert_pem(admit_t *self);
const char *admit_ca_pem(admit_t *self);
/* The mesh's name, from the CA certificate. */
const char *admit_mesh(admit_t *self);
/* This node's own certificate, as checked. */
const admit_info_t *admit_self(admit_t *self);

/* Checks a neighbour's certificate: it chains to the mesh CA, is within
 * its validity, names the CURVE key the link authenticated with, is not
 * this node's, and is not revoked. Returns 0 with *info filled, or -1
 * with *cause set. */
int admit_check(admit_t *self, const char *cert_pem, const char *transport,
    admit_info_t *info, char **cause);
/* Checks again an admitted neighbour (expiry, revocation). */
int admit_recheck(admit_t *self, const admit_info_t *info, char **cause);

/* True if a revocation signed by the mesh CA names serial. */
bool admit_is_revoked(admit_t *self, const char *serial);

#endif
