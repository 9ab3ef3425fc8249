/* The mesh's certificates: its certificate authority, node certificates,
 * requests and revocations, through OpenSSL X.509.
 *
 * A mesh has one certificate authority (CA): an Ed25519 key and a
 * self-signed X.509 v3 certificate with subject CN "ioe mesh CA" and O the
 * mesh name, basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign
 * (both critical), a subjectKeyIdentifier, a random serial, valid
 * PKI_CA_DAYS by default. Whoever holds the CA key admits nodes; every
 * node holds the CA certificate and checks the others against it.
 *
 * A node certificate, signed by the CA key, binds three things:
 * - the node's name: subject CN (a name_check() name), with O the mesh;
 * - the node's Ed25519 signing key: it is the certificate's own
 *   SubjectPublicKeyInfo, so that binding is plain X.509 that any tool
 *   can check;
 * - the node's CURVE transport key: extension PKI_OID_CURVE_KEY, whose
 *   value is a DER UTF8String of the 40-character z85 text. It is not
 *   critical: a verifier that does not know it (openssl verify, our own
 *   X509_verify_cert) would refuse the whole certificate otherwise.
 * It also has basicConstraints CA:FALSE, keyUsage digitalSignature, an
 * authorityKeyIdentifier and a random serial, and is valid PKI_NODE_DAYS
 * by default, never past the CA certificate.
 *
 * A node whose keys never leave it sends a request instead: a PKCS #10 CSR
 * with its Ed25519 key, subject CN its name and the CURVE extension among
 * the requested extensions, signed by the node key to prove it holds it.
 * The CA takes exactly those three things from it and nothing else.
 *
 * A revocation is a statement the CA signs with its Ed25519 key,
 * "ioe-revoke:v1:<serial>:<name>:<unix seconds>"; anyone holding the CA
 * certificate can check it. The log carries it.
 *
 * Serials are written in lower-case hex. Those this CA issues are 16
 * bytes (32 digits) of which 126 bits are random: the top bit is clear so
 * that the DER INTEGER stays positive in 16 bytes, the next one set so
 * that the hex never loses a leading zero.
 *
 * Certificates and requests travel as PEM text holding exactly one block.
 */
#ifndef IOE_PKI_H
#define IOE_PKI_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"

/* Under 2.25, the arc for UUIDs (X.667), from a random UUID
 * (dab47c6a-f143-4c22-bd6b-6bb788bb6e5d), so it needs no registration. */
#define PKI_OID_CURVE_KEY  "2.25.290708840007291253522867242703425072733"
#define PKI_CA_CN          "ioe mesh CA"
#define PKI_CA_DAYS        3650
#define PKI_NODE_DAYS      365
#define PKI_DAYS_MAX       36500
#define PKI_CURVE_Z85_SIZE 40
/* A serial of at most 20 bytes (RFC 5280) in hex. */
#define PKI_SERIAL_HEX_MAX     40
#define PKI_REVOCATION_SIG_HEX (2 * ED25519_SIGNATURE_SIZE)

typedef struct pki_ca pki_ca_t;

typedef struct pki_cert_info {
	char name[64];                        /* subject CN */
	char mesh[64];                        /* subject O */
	uint8_t ed25519[ED25519_PUBLIC_SIZE]; /* subject public key */
	char curve[PKI_CURVE_Z85_SIZE + 1];   /* z85, or "" if absent */
	char serial[PKI_SERIAL_HEX_MAX + 1];  /* lower-case hex */
	int64_t not_before;                   /* Unix seconds */
	int64_t not_after;                    /* Unix seconds */
	bool is_ca;                           /* basicConstraints CA:TRUE */
} pki_cert_info_t;

/* A new CA for mesh (a name_check() name) with a fresh Ed25519 key, valid
 * from an hour ago (for clocks slightly behind) for days days. Returns
 * NULL with *cause set. Caller owns return value. */
pki_ca_t *pki_ca_create(const char *mesh, int days, char **cause);
/* Loads a CA: the key must be mode 0600 (signing_key_load checks), the
 * certificate a CA certificate for that very key. Returns NULL with
 * *cause set. Caller owns return value. */
pki_ca_t *pki_ca_load(
    const char *key_path, const char *cert_path, char **cause);
/* Writes the key (mode 0600) and the certificate (mode 0644), each
 * atomically, replacing existing files. Returns 0, or -1 with *cause
 * set. */
int pki_ca_save(
    pki_ca_t *self, const char *key_path, const char *cert_path, char **cause);
void pki_ca_destroy(pki_ca_t **self_p);
/* The CA certificate as PEM, owned by self. */
const char *pki_ca_cert_pem(pki_ca_t *self);
/* The mesh name, owned by self. */
const char *pki_ca_mesh(pki_ca_t *self);

/* Issues a certificate for node name with its Ed25519 public key and its
 * CURVE public key in z85, valid from an hour ago for days days but not
 * past the CA certificate. Returns its PEM, or NULL with *cause set.
 * Caller owns return value. */
char *pki_issue(pki_ca_t *self, const char *name,
    const uint8_t ed25519_pub[ED25519_PUBLIC_SIZE], const char *curve_z85,
    int days, char **cause);
/* pki_issue with an exact validity in Unix seconds, not clamped to the
 * CA's; tests use it to make certificates already expired or not yet
 * valid. */
char *pki_issue_at(pki_ca_t *self, const char *name,
    const uint8_t ed25519_pub[ED25519_PUBLIC_SIZE], const char *curve_z85,
    int64_t not_before, int64_t not_after, char **cause);

/* A request for a certificate for node name, signed by key. Returns its
 * PEM, or NULL with *cause set. Caller owns return value. */
char *pki_request_new(
    signing_key_t *key, const char *name, const char *curve_z85, char **cause);
/* Parses a request and checks its signature, its name and its CURVE key,
 * filling info (its name, ed25519 and curve; the rest zero) if not NULL,
 * so that the CA's operator can be shown what they are about to sign.
 * Returns 0, or -1 with *cause set. */
int pki_request_info(const char *csr_pem, pki_cert_info_t *info, char **cause);
/* Checks a request as pki_request_info does and issues the certificate it
 * asks for, as pki_issue. Returns its PEM, or NULL with *cause set.
 * Caller owns return value. */
char *pki_sign_request(
    pki_ca_t *self, const char *csr_pem, int days, char **cause);

/* Parses a certificate without checking anything but its form, filling
 * info. Returns 0, or -1 with *cause set. */
int pki_cert_info(const char *cert_pem, pki_cert_info_t *info, char **cause);
/* Whether cert_pem is a valid node certificate of the mesh of ca_pem at
 * Unix time now: signed by that CA and within its validity (the CA's too),
 * not itself a CA, for the CA's mesh, with a valid node name and a CURVE
 * key. Fills info if not NULL. Returns 0, or -1 with *cause set to the
 * specific reason ("certificate has expired", "not signed by this mesh's
 * CA", "no transport key", "malformed PEM", ...). */
int pki_verify(const char *ca_pem, const char *cert_pem, int64_t now,
    pki_cert_info_t *info, char **cause);

/* Signs the revocation of certificate serial (lower-case hex) of node name
 * at Unix time when. Returns the signature in hex (PKI_REVOCATION_SIG_HEX
 * digits), or NULL with *cause set. Caller owns return value. */
char *pki_revocation_sign(pki_ca_t *self, const char *serial, const char *name,
    int64_t when, char **cause);
/* True if sig_hex is the CA's signature of that revocation. */
bool pki_revocation_verify(const char *ca_pem, const char *serial,
    const char *name, int64_t when, const char *sig_hex);

void pki_test(bool verbose);

#endif
