#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki.h"
#include "util.h"

/* Validity starts this long before issue, so that a node whose clock is a
 * little behind the CA's does not see a fresh certificate as not yet
 * valid. */
#define PKI_BACKDATE 3600
#define PKI_DAY      86400
/* Far more than any certificate we make; bounds what we read. */
#define PKI_FILE_MAX    (64 * 1024)
#define PKI_SERIAL_SIZE 16

struct pki_ca {
	signing_key_t *key;
	X509 *cert;
	char *cert_pem;
	char mesh[64];
	int64_t not_after;
};

/* STACK_OF() in a parameter list confuses clang-format. */
typedef STACK_OF(X509_EXTENSION) ext_list_t;

static const char z85_digits[] =
    "0123456789abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/* The reason of the oldest queued OpenSSL error; the queue is emptied so
 * that stale errors do not show up under a later failure. */
static const char *
ssl_error(void)
{
	unsigned long e = ERR_get_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return reason != NULL ? reason : "unknown OpenSSL error";
}

/* True if s is the z85 text of a 32-byte key: 40 digits, each group of
 * five within 32 bits (z85 can spell values past 2^32 that decode to
 * nothing). */
static bool
z85_key_is_valid(const char *s)
{
	if (strlen(s) != PKI_CURVE_Z85_SIZE)
		return false;
	for (size_t i = 0; i < PKI_CURVE_Z85_SIZE; i += 5) {
		uint64_t value = 0;

		for (size_t k = 0; k < 5; k++) {
			const char *d = strchr(z85_digits, s[i + k]);

			if (s[i + k] == '\0' || d == NULL)
				return false;
			value = value * 85 + (uint64_t)(d - z85_digits);
		}
		if (value > UINT32_MAX)
			return false;
	}
	return true;
}

static int
check_days(int days, char **cause)
{
	if (days < 1 || days > PKI_DAYS_MAX)
		return fail(cause, "bad validity: %d days (1 to %d)", days,
		    PKI_DAYS_MAX);
	return 0;
}

/* Serials are hex only in lower case, so that two spellings of one serial
 * never pass for two certificates. */
static int
check_serial(const char *serial, char **cause)
{
	if (strlen(serial) > PKI_SERIAL_HEX_MAX || !hex_is_valid(serial))
		return fail(cause,
		    "bad serial '%.48s': not up to %d hex digits", serial,
		    PKI_SERIAL_HEX_MAX);
	if (strspn(serial, "0123456789abcdef") != strlen(serial))
		return fail(cause, "serial '%s' has upper case", serial);
	return 0;
}

static ASN1_OBJECT *
curve_oid(void)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(PKI_OID_CURVE_KEY, 1);

	if (obj == NULL)
		abort();
	return obj;
}

/* Returns a new string holding what the memory BIO holds. */
static char *
bio_string(BIO *bio)
{
	char *data, *s;
	long len = BIO_get_mem_data(bio, &data);

	s = xcalloc((size_t)len + 1, 1);
	memcpy(s, data, (size_t)len);
	return s;
}

/* Decodes PEM text that must hold exactly one block of the given type and
 * nothing else but white space: a certificate travels between nodes, and
 * whatever rides along with it would go unchecked. */
static int
pem_decode(const char *pem, const char *type, unsigned char **der, long *len,
    char **cause)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	char *name = NULL, *header = NULL, *rest;
	long restlen;
	int rc = -1;

	*der = NULL;
	if (bio == NULL)
		abort();
	if (PEM_read_bio(bio, &name, &header, der, len) != 1) {
		ERR_clear_error();
		fail(cause, "malformed PEM");
		goto done;
	}
	if (strcmp(name, type) != 0) {
		fail(cause, "not a %s but a '%.40s'",
		    strcmp(type, PEM_STRING_X509) == 0 ? "certificate"
		                                       : "certificate request",
		    name);
		goto done;
	}
	/* Headers mean an encrypted or annotated block, never ours. */
	if (*header != '\0') {
		fail(cause, "malformed PEM");
		goto done;
	}
	restlen = BIO_get_mem_data(bio, &rest);
	for (long i = 0; i < restlen; i++) {
		if (!isspace((unsigned char)rest[i])) {
			fail(cause, "trailing data after the PEM block");
			goto done;
		}
	}
	rc = 0;
done:
	if (rc != 0) {
		OPENSSL_free(*der);
		*der = NULL;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(bio);
	return rc;
}

/* One PEM block of type pem_type, decoded as item with every byte used:
 * certificates and requests alike. Returns the object (free it with
 * ASN1_item_free or its type's own free), or NULL with *cause "malformed
 * WHAT". */
static void *
der_decode(const char *pem, const char *pem_type, const ASN1_ITEM *item,
    const char *what, char **cause)
{
	unsigned char *der;
	const unsigned char *p;
	ASN1_VALUE *v;
	long len;

	if (pem_decode(pem, pem_type, &der, &len, cause) != 0)
		return NULL;
	p = der;
	v = ASN1_item_d2i(NULL, &p, len, item);
	if (v == NULL || p != der + len) {
		ERR_clear_error();
		ASN1_item_free(v, item);
		v = NULL;
		fail(cause, "malformed %s", what);
	}
	OPENSSL_free(der);
	return v;
}

static X509 *
x509_decode(const char *pem, char **cause)
{
	return der_decode(pem, PEM_STRING_X509, ASN1_ITEM_rptr(X509),
	    "certificate", cause);
}

static X509_REQ *
req_decode(const char *pem, char **cause)
{
	return der_decode(pem, PEM_STRING_X509_REQ, ASN1_ITEM_rptr(X509_REQ),
	    "certificate request", cause);
}

static char *
x509_pem(X509 *x, char **cause)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;

	if (bio == NULL)
		abort();
	if (PEM_write_bio_X509(bio, x) == 1)
		pem = bio_string(bio);
	else
		fail(cause, "cannot encode the certificate: %s", ssl_error());
	BIO_free(bio);
	return pem;
}

/* Copies the only entry nid of name into out as UTF-8. Returns 0, 1 if
 * there is none, or -1 with *cause set. */
static int
name_entry(const X509_NAME *name, int nid, const char *what, char *out,
    size_t size, char **cause)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8;
	int len;

	out[0] = '\0';
	if (i < 0)
		return 1;
	if (X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return fail(cause, "more than one %s", what);
	len = ASN1_STRING_to_UTF8(
	    &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (len < 0) {
		ERR_clear_error();
		return fail(cause, "malformed %s", what);
	}
	if ((size_t)len >= size || memchr(utf8, '\0', (size_t)len) != NULL) {
		OPENSSL_free(utf8);
		return fail(cause, "%s is too long or holds a NUL", what);
	}
	memcpy(out, utf8, (size_t)len);
	out[len] = '\0';
	OPENSSL_free(utf8);
	return 0;
}

static int
raw_ed25519(EVP_PKEY *pkey, uint8_t out[ED25519_PUBLIC_SIZE], char **cause)
{
	size_t len = ED25519_PUBLIC_SIZE;

	if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, out, &len) != 1 ||
	    len != ED25519_PUBLIC_SIZE) {
		ERR_clear_error();
		return fail(cause, "not an Ed25519 key");
	}
	return 0;
}

/* Finds the CURVE key among exts (NULL for none) and copies its z85 text
 * into out, or "" if there is none. Returns 0, or -1 with *cause set. */
static int
curve_from_exts(
    const ext_list_t *exts, char out[PKI_CURVE_Z85_SIZE + 1], char **cause)
{
	ASN1_OBJECT *obj = curve_oid();
	ASN1_UTF8STRING *utf8 = NULL;
	const ASN1_OCTET_STRING *data;
	const unsigned char *p;
	int i, rc = -1;

	out[0] = '\0';
	i = exts != NULL ? X509v3_get_ext_by_OBJ(exts, obj, -1) : -1;
	if (i < 0) {
		rc = 0;
		goto done;
	}
	if (X509v3_get_ext_by_OBJ(exts, obj, i) >= 0) {
		fail(cause, "more than one transport key");
		goto done;
	}
	data = X509_EXTENSION_get_data(X509v3_get_ext(exts, i));
	p = ASN1_STRING_get0_data(data);
	utf8 = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(data));
	if (utf8 == NULL ||
	    p != ASN1_STRING_get0_data(data) + ASN1_STRING_length(data) ||
	    ASN1_STRING_length(utf8) != PKI_CURVE_Z85_SIZE) {
		ERR_clear_error();
		fail(cause, "malformed transport key");
		goto done;
	}
	memcpy(out, ASN1_STRING_get0_data(utf8), PKI_CURVE_Z85_SIZE);
	out[PKI_CURVE_Z85_SIZE] = '\0';
	if (!z85_key_is_valid(out)) {
		out[0] = '\0';
		fail(cause, "malformed transport key");
		goto done;
	}
	rc = 0;
done:
	ASN1_UTF8STRING_free(utf8);
	ASN1_OBJECT_free(obj);
	return rc;
}

static X509_EXTENSION *
curve_ext_new(const char *z85)
{
	ASN1_OBJECT *obj = curve_oid();
	ASN1_UTF8STRING *utf8 = ASN1_UTF8STRING_new();
	ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
	unsigned char *der = NULL;
	X509_EXTENSION *ext = NULL;
	int len;

	if (utf8 != NULL && data != NULL &&
	    ASN1_STRING_set(utf8, z85, (int)strlen(z85)) == 1 &&
	    (len = i2d_ASN1_UTF8STRING(utf8, &der)) > 0 &&
	    ASN1_OCTET_STRING_set(data, der, len) == 1)
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, data);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(data);
	ASN1_UTF8STRING_free(utf8);
	ASN1_OBJECT_free(obj);
	return ext;
}

static int
asn1_time_unix(const ASN1_TIME *t, int64_t *out, char **cause)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return fail(cause, "malformed validity");
	}
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int
x509_info(X509 *x, pki_cert_info_t *info, char **cause)
{
	const X509_NAME *subject = X509_get_subject_name(x);
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int rc = -1;

	memset(info, 0, sizeof *info);
	/* Computes the extension cache, and tells if an extension we rely
	 * on (basicConstraints, keyUsage) could not be parsed. */
	if ((X509_get_extension_flags(x) & EXFLAG_INVALID) != 0) {
		fail(cause, "malformed certificate extensions");
		goto done;
	}
	info->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	switch (name_entry(subject, NID_commonName, "subject name (CN)",
	    info->name, sizeof info->name, cause)) {
	case -1:
		goto done;
	case 1:
		fail(cause, "no subject name (CN)");
		goto done;
	}
	switch (name_entry(subject, NID_organizationName, "mesh name (O)",
	    info->mesh, sizeof info->mesh, cause)) {
	case -1:
		goto done;
	case 1:
		fail(cause, "no mesh name (O)");
		goto done;
	}
	if (raw_ed25519(X509_get0_pubkey(x), info->ed25519, cause) != 0)
		goto done;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (bn == NULL || BN_is_negative(bn) || BN_is_zero(bn) ||
	    BN_num_bytes(bn) > PKI_SERIAL_HEX_MAX / 2 ||
	    (hex = BN_bn2hex(bn)) == NULL) {
		ERR_clear_error();
		fail(cause, "malformed serial");
		goto done;
	}
	for (size_t i = 0; hex[i] != '\0' && i < PKI_SERIAL_HEX_MAX; i++)
		info->serial[i] = (char)tolower((unsigned char)hex[i]);
	if (asn1_time_unix(X509_get0_notBefore(x), &info->not_before, cause) !=
	        0 ||
	    asn1_time_unix(X509_get0_notAfter(x), &info->not_after, cause) != 0)
		goto done;
	if (curve_from_exts(X509_get0_extensions(x), info->curve, cause) != 0)
		goto done;
	rc = 0;
done:
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

/* Adds a standard extension written as in openssl.cnf, so that each reads
 * as it would there ("critical,CA:TRUE"). */
static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static int
set_name(X509_NAME *name, const char *mesh, const char *cn)
{
	if (X509_NAME_add_entry_by_NID(name, NID_organizationName,
	        MBSTRING_UTF8, (const unsigned char *)mesh, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	        (const unsigned char *)cn, -1, -1, 0) != 1)
		return -1;
	return 0;
}

static int
set_serial(X509 *x)
{
	uint8_t bytes[PKI_SERIAL_SIZE];
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn = NULL;
	int rc = -1;

	if (RAND_bytes(bytes, sizeof bytes) != 1)
		return -1;
	/* Positive in 16 DER bytes, and always 32 hex digits. */
	bytes[0] = (bytes[0] & 0x7f) | 0x40;
	if ((bn = BN_bin2bn(bytes, sizeof bytes, NULL)) != NULL &&
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
	    X509_set_serialNumber(x, serial) == 1)
		rc = 0;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}

/* Ed25519 signs in one shot with no separate digest: hence md NULL. */
static int
sign_x509(X509 *x, EVP_PKEY *pkey)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
	         EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	         X509_sign_ctx(x, ctx) > 0;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int
sign_req(X509_REQ *req, EVP_PKEY *pkey)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
	         EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	         X509_REQ_sign_ctx(req, ctx) > 0;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* A certificate for subject, signed by signer: the CA's own if ca is NULL,
 * else a node's issued by ca, carrying curve_z85. */
static X509 *
cert_build(X509 *ca, EVP_PKEY *signer, EVP_PKEY *subject, const char *mesh,
    const char *cn, const char *curve_z85, int64_t not_before,
    int64_t not_after, char **cause)
{
	X509 *x = X509_new();
	X509_EXTENSION *curve = NULL;
	bool ok;

	if (x == NULL)
		abort();
	ok =
	    X509_set_version(x, X509_VERSION_3) == 1 && set_serial(x) == 0 &&
	    set_name(X509_get_subject_name(x), mesh, cn) == 0 &&
	    X509_set_issuer_name(
	        x, X509_get_subject_name(ca != NULL ? ca : x)) == 1 &&
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) != NULL &&
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) != NULL &&
	    X509_set_pubkey(x, subject) == 1;
	if (ok && ca == NULL)
		ok = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ==
		         0 &&
		     add_ext(x, x, NID_key_usage,
		         "critical,keyCertSign,cRLSign") == 0 &&
		     add_ext(x, x, NID_subject_key_identifier, "hash") == 0;
	else if (ok)
		ok = add_ext(x, ca, NID_basic_constraints,
		         "critical,CA:FALSE") == 0 &&
		     add_ext(x, ca, NID_key_usage,
		         "critical,digitalSignature") == 0 &&
		     add_ext(x, ca, NID_authority_key_identifier,
		         "keyid:always") == 0 &&
		     (curve = curve_ext_new(curve_z85)) != NULL &&
		     X509_add_ext(x, curve, -1) == 1;
	if (ok)
		ok = sign_x509(x, signer) == 0;
	X509_EXTENSION_free(curve);
	if (!ok) {
		fail(cause, "cannot make the certificate: %s", ssl_error());
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Takes key and cert. */
static pki_ca_t *
pki_ca_new(signing_key_t **key_p, X509 **cert_p, char **cause)
{
	pki_ca_t *self = xcalloc(1, sizeof *self);
	pki_cert_info_t info;

	self->key = *key_p;
	self->cert = *cert_p;
	*key_p = NULL;
	*cert_p = NULL;
	if (x509_info(self->cert, &info, cause) != 0 ||
	    (self->cert_pem = x509_pem(self->cert, cause)) == NULL) {
		pki_ca_destroy(&self);
		return NULL;
	}
	memcpy(self->mesh, info.mesh, sizeof self->mesh);
	self->not_after = info.not_after;
	return self;
}

pki_ca_t *
pki_ca_create(const char *mesh, int days, char **cause)
{
	signing_key_t *key;
	X509 *cert;
	int64_t now = (int64_t)time(NULL);

	if (name_check(mesh, "mesh name", cause) != 0 ||
	    check_days(days, cause) != 0)
		return NULL;
	if ((key = signing_key_generate(cause)) == NULL)
		return NULL;
	cert = cert_build(NULL, signing_key_pkey(key), signing_key_pkey(key),
	    mesh, PKI_CA_CN, NULL, now - PKI_BACKDATE,
	    now + (int64_t)days * PKI_DAY, cause);
	if (cert == NULL) {
		signing_key_destroy(&key);
		return NULL;
	}
	return pki_ca_new(&key, &cert, cause);
}

pki_ca_t *
pki_ca_load(const char *key_path, const char *cert_path, char **cause)
{
	signing_key_t *key = NULL;
	X509 *cert = NULL;
	pki_cert_info_t info;
	char *pem = NULL, *why = NULL;
	pki_ca_t *self = NULL;
	size_t len;
	int fd;

	if ((key = signing_key_load(key_path, cause)) == NULL)
		goto done;
	if ((fd = open(cert_path, O_RDONLY | O_CLOEXEC)) < 0) {
		fail(cause, "cannot open '%s': %s", cert_path, strerror(errno));
		goto done;
	}
	pem = read_stream(fd, PKI_FILE_MAX, &len, &why);
	close(fd);
	if (pem == NULL || (cert = x509_decode(pem, &why)) == NULL ||
	    x509_info(cert, &info, &why) != 0) {
		fail(cause, "cannot read '%s': %s", cert_path, why);
		goto done;
	}
	if (!info.is_ca) {
		fail(cause, "'%s' is not a CA certificate", cert_path);
		goto done;
	}
	if (memcmp(info.ed25519, signing_key_public(key),
	        ED25519_PUBLIC_SIZE) != 0) {
		fail(cause, "'%s' is not the certificate of the key in '%s'",
		    cert_path, key_path);
		goto done;
	}
	if (X509_verify(cert, X509_get0_pubkey(cert)) != 1) {
		ERR_clear_error();
		fail(cause, "'%s' has a bad signature", cert_path);
		goto done;
	}
	self = pki_ca_new(&key, &cert, cause);
done:
	free(why);
	free(pem);
	X509_free(cert);
	signing_key_destroy(&key);
	return self;
}

int
pki_ca_save(
    pki_ca_t *self, const char *key_path, const char *cert_path, char **cause)
{
	if (signing_key_save(self->key, key_path, cause) != 0)
		return -1;
	return write_file_atomic(cert_path, self->cert_pem,
	    strlen(self->cert_pem), 0644, cause);
}

void
pki_ca_destroy(pki_ca_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		pki_ca_t *self = *self_p;

		signing_key_destroy(&self->key);
		X509_free(self->cert);
		free(self->cert_pem);
		free(self);
		*self_p = NULL;
	}
}

const char *
pki_ca_cert_pem(pki_ca_t *self)
{
	return self->cert_pem;
}

const char *
pki_ca_mesh(pki_ca_t *self)
{
	return self->mesh;
}

static int
check_node(const char *name, const char *curve_z85, char **cause)
{
	if (name_check(name, "node name", cause) != 0)
		return -1;
	if (!z85_key_is_valid(curve_z85))
		return fail(cause, "bad transport key: not %d z85 characters",
		    PKI_CURVE_Z85_SIZE);
	return 0;
}

char *
pki_issue_at(pki_ca_t *self, const char *name,
    const uint8_t ed25519_pub[ED25519_PUBLIC_SIZE], const char *curve_z85,
    int64_t not_before, int64_t not_after, char **cause)
{
	EVP_PKEY *pub;
	X509 *x;
	char *pem;

	if (check_node(name, curve_z85, cause) != 0)
		return NULL;
	if (not_after <= not_before) {
		fail(cause, "certificate would expire before it starts");
		return NULL;
	}
	pub = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_ED25519, NULL, ed25519_pub, ED25519_PUBLIC_SIZE);
	if (pub == NULL) {
		fail(cause, "bad Ed25519 key: %s", ssl_error());
		return NULL;
	}
	x = cert_build(self->cert, signing_key_pkey(self->key), pub, self->mesh,
	    name, curve_z85, not_before, not_after, cause);
	EVP_PKEY_free(pub);
	if (x == NULL)
		return NULL;
	pem = x509_pem(x, cause);
	X509_free(x);
	return pem;
}

char *
pki_issue(pki_ca_t *self, const char *name,
    const uint8_t ed25519_pub[ED25519_PUBLIC_SIZE], const char *curve_z85,
    int days, char **cause)
{
	int64_t now = (int64_t)time(NULL), not_after;

	if (check_days(days, cause) != 0)
		return NULL;
	if (self->not_after <= now) {
		fail(cause, "the mesh CA certificate has expired");
		return NULL;
	}
	/* Past the CA's expiry the certificate could not verify anyway;
	 * saying so in the certificate tells the truth to whoever reads
	 * it. */
	not_after = now + (int64_t)days * PKI_DAY;
	if (not_after > self->not_after)
		not_after = self->not_after;
	return pki_issue_at(self, name, ed25519_pub, curve_z85,
	    now - PKI_BACKDATE, not_after, cause);
}

/* Builds a request without checking name or curve_z85, so that the test
 * can make bad ones. */
static char *
request_build(
    signing_key_t *key, const char *name, const char *curve_z85, char **cause)
{
	X509_REQ *req = X509_REQ_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *curve = NULL;
	BIO *bio = NULL;
	char *pem = NULL;
	X509_NAME *subject;

	if (req == NULL || exts == NULL)
		abort();
	subject = X509_REQ_get_subject_name(req);
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
	        (const unsigned char *)name, -1, -1, 0) != 1 ||
	    X509_REQ_set_pubkey(req, signing_key_pkey(key)) != 1)
		goto bad;
	if (curve_z85 != NULL) {
		if ((curve = curve_ext_new(curve_z85)) == NULL ||
		    sk_X509_EXTENSION_push(exts, curve) <= 0)
			goto bad;
		curve = NULL;
		if (X509_REQ_add_extensions(req, exts) != 1)
			goto bad;
	}
	if (sign_req(req, signing_key_pkey(key)) != 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(bio, req) != 1)
		goto bad;
	pem = bio_string(bio);
	goto done;
bad:
	fail(cause, "cannot make the certificate request: %s", ssl_error());
done:
	BIO_free(bio);
	X509_EXTENSION_free(curve);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return pem;
}

char *
pki_request_new(
    signing_key_t *key, const char *name, const char *curve_z85, char **cause)
{
	if (check_node(name, curve_z85, cause) != 0)
		return NULL;
	return request_build(key, name, curve_z85, cause);
}

int
pki_request_info(const char *csr_pem, pki_cert_info_t *info, char **cause)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	pki_cert_info_t tmp;
	X509_REQ *req;
	EVP_PKEY *pkey;
	int rc = -1;

	memset(&tmp, 0, sizeof tmp);
	if ((req = req_decode(csr_pem, cause)) == NULL)
		return -1;
	pkey = X509_REQ_get0_pubkey(req);
	if (raw_ed25519(pkey, tmp.ed25519, cause) != 0)
		goto done;
	/* The proof that the requester holds the key it asks us to
	 * certify. */
	if (X509_REQ_verify(req, pkey) != 1) {
		ERR_clear_error();
		fail(cause, "request signature does not verify");
		goto done;
	}
	switch (name_entry(X509_REQ_get_subject_name(req), NID_commonName,
	    "node name (CN)", tmp.name, sizeof tmp.name, cause)) {
	case -1:
		goto done;
	case 1:
		fail(cause, "no node name (CN)");
		goto done;
	}
	if (name_check(tmp.name, "node name", cause) != 0)
		goto done;
	/* NULL when the request has no extensions at all. */
	exts = X509_REQ_get_extensions(req);
	ERR_clear_error();
	if (curve_from_exts(exts, tmp.curve, cause) != 0)
		goto done;
	if (tmp.curve[0] == '\0') {
		fail(cause, "no transport key");
		goto done;
	}
	if (info != NULL)
		*info = tmp;
	rc = 0;
done:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return rc;
}

char *
pki_sign_request(pki_ca_t *self, const char *csr_pem, int days, char **cause)
{
	pki_cert_info_t info;

	if (pki_request_info(csr_pem, &info, cause) != 0)
		return NULL;
	return pki_issue(
	    self, info.name, info.ed25519, info.curve, days, cause);
}

int
pki_cert_info(const char *cert_pem, pki_cert_info_t *info, char **cause)
{
	X509 *x;
	int rc;

	if ((x = x509_decode(cert_pem, cause)) == NULL)
		return -1;
	rc = x509_info(x, info, cause);
	X509_free(x);
	return rc;
}

/* Decodes the mesh CA certificate a caller trusts; a fault there is the
 * caller's configuration, not the peer's, and the message says so. */
static X509 *
ca_decode(const char *ca_pem, pki_cert_info_t *info, char **cause)
{
	char *why = NULL;
	X509 *ca;

	if ((ca = x509_decode(ca_pem, &why)) == NULL ||
	    x509_info(ca, info, &why) != 0) {
		fail(cause, "bad mesh CA certificate: %s", why);
		X509_free(ca);
		free(why);
		return NULL;
	}
	if (!info->is_ca) {
		fail(cause, "the mesh CA certificate is not a CA certificate");
		X509_free(ca);
		return NULL;
	}
	/* Its mesh name shows up in messages and must be one pki_ca_create
	 * would have accepted. */
	if (name_check(info->mesh, "mesh name", NULL) != 0) {
		fail(cause, "the mesh CA certificate has a bad mesh name");
		X509_free(ca);
		return NULL;
	}
	return ca;
}

static void
verify_error(X509_STORE_CTX *ctx, char **cause)
{
	int error = X509_STORE_CTX_get_error(ctx);
	bool leaf = X509_STORE_CTX_get_error_depth(ctx) == 0;

	switch (error) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		fail(cause, leaf ? "certificate has expired"
		                 : "the mesh CA certificate has expired");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		fail(cause, leaf ? "certificate is not yet valid"
		                 : "the mesh CA certificate is not yet valid");
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		fail(cause, "not signed by this mesh's CA");
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		fail(cause, leaf ? "bad certificate signature"
		                 : "bad mesh CA certificate signature");
		break;
	default:
		fail(cause, "certificate does not verify: %s",
		    X509_verify_cert_error_string(error));
		break;
	}
}

int
pki_verify(const char *ca_pem, const char *cert_pem, int64_t now,
    pki_cert_info_t *info, char **cause)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	pki_cert_info_t ca_info, tmp;
	X509 *ca = NULL, *x = NULL;
	int rc = -1;

	if ((ca = ca_decode(ca_pem, &ca_info, cause)) == NULL)
		goto done;
	if ((x = x509_decode(cert_pem, cause)) == NULL ||
	    x509_info(x, &tmp, cause) != 0)
		goto done;
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, ca) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, x, NULL) != 1) {
		fail(cause, "cannot verify the certificate: %s", ssl_error());
		goto done;
	}
	/* The caller's clock, so that tests and replays can pick the
	 * time; strict RFC 5280 rules, since we make every certificate
	 * we accept. */
	X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	X509_STORE_CTX_set_flags(
	    ctx, X509_V_FLAG_X509_STRICT | X509_V_FLAG_CHECK_SS_SIGNATURE);
	if (X509_verify_cert(ctx) != 1) {
		verify_error(ctx, cause);
		ERR_clear_error();
		goto done;
	}
	if (tmp.is_ca) {
		fail(cause, "a CA certificate is not a node certificate");
		goto done;
	}
	if (strcmp(tmp.mesh, ca_info.mesh) != 0) {
		fail(cause, "certificate is for mesh '%s', not '%s'", tmp.mesh,
		    ca_info.mesh);
		goto done;
	}
	if (name_check(tmp.name, "node name", cause) != 0)
		goto done;
	if (tmp.curve[0] == '\0') {
		fail(cause, "no transport key");
		goto done;
	}
	if (info != NULL)
		*info = tmp;
	rc = 0;
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(x);
	X509_free(ca);
	return rc;
}

static char *
revocation_statement(
    const char *serial, const char *name, int64_t when, char **cause)
{
	if (check_serial(serial, cause) != 0 ||
	    name_check(name, "node name", cause) != 0)
		return NULL;
	return xasprintf(
	    "ioe-revoke:v1:%s:%s:%lld", serial, name, (long long)when);
}

char *
pki_revocation_sign(pki_ca_t *self, const char *serial, const char *name,
    int64_t when, char **cause)
{
	uint8_t sig[ED25519_SIGNATURE_SIZE];
	char *statement, *hex;

	if ((statement = revocation_statement(serial, name, when, cause)) ==
	    NULL)
		return NULL;
	if (signing_key_sign(self->key, statement, strlen(statement), sig) !=
	    0) {
		free(statement);
		fail(cause, "cannot sign the revocation: %s", ssl_error());
		return NULL;
	}
	free(statement);
	hex = xcalloc(PKI_REVOCATION_SIG_HEX + 1, 1);
	hex_encode(sig, sizeof sig, hex);
	return hex;
}

bool
pki_revocation_verify(const char *ca_pem, const char *serial, const char *name,
    int64_t when, const char *sig_hex)
{
	uint8_t sig[ED25519_SIGNATURE_SIZE];
	pki_cert_info_t ca_info;
	char *statement;
	X509 *ca;
	bool ok;

	if ((ca = ca_decode(ca_pem, &ca_info, NULL)) == NULL)
		return false;
	X509_free(ca);
	if (hex_decode(sig_hex, sig, sizeof sig) != 0 ||
	    (statement = revocation_statement(serial, name, when, NULL)) ==
	        NULL)
		return false;
	ok = ed25519_verify(ca_info.ed25519, statement, strlen(statement), sig);
	free(statement);
	return ok;
}

/* Self-test. */

/* Two CURVE public keys from the CurveZMQ examples, and one that is z85
 * but not a key (a group past 2^32). */
#define TEST_CURVE_A   "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define TEST_CURVE_B   "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define TEST_CURVE_BAD "#####w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

static void
test_refused(int rc, char **cause, const char *want, bool verbose)
{
	assert(rc != 0);
	assert(*cause != NULL);
	if (verbose)
		printf("    refused: %s\n", *cause);
	if (want != NULL && strstr(*cause, want) == NULL) {
		fprintf(
		    stderr, "pki_test: want '%s', got '%s'\n", want, *cause);
		abort();
	}
	free(*cause);
	*cause = NULL;
}

/* Rewrites the PEM block with one bit flipped in its DER, keeping the PEM
 * itself well-formed: in the first occurrence of find, or in the last
 * byte (the signature) if find is NULL. */
static char *
test_flip_der(const char *pem, const char *find)
{
	BIO *in = BIO_new_mem_buf(pem, -1), *out = BIO_new(BIO_s_mem());
	char *name, *header, *s;
	unsigned char *der;
	long len;

	assert(PEM_read_bio(in, &name, &header, &der, &len) == 1);
	if (find != NULL) {
		unsigned char *at =
		    memmem(der, (size_t)len, find, strlen(find));

		assert(at != NULL);
		*at ^= 1;
	} else
		der[len - 1] ^= 1;
	assert(PEM_write_bio(out, name, header, der, len) > 0);
	s = bio_string(out);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(in);
	BIO_free(out);
	return s;
}

/* The request with other's public key put in and the signature left as it
 * was: what someone holding only other's public key would send to have it
 * certified as theirs. */
static char *
test_swap_key(const char *csr_pem, signing_key_t *other)
{
	BIO *in = BIO_new_mem_buf(csr_pem, -1), *out = BIO_new(BIO_s_mem());
	X509_REQ *req = PEM_read_bio_X509_REQ(in, NULL, NULL, NULL);
	char *s;

	assert(req != NULL);
	assert(X509_REQ_set_pubkey(req, signing_key_pkey(other)) == 1);
	assert(PEM_write_bio_X509_REQ(out, req) == 1);
	s = bio_string(out);
	X509_REQ_free(req);
	BIO_free(in);
	BIO_free(out);
	return s;
}

void
pki_test(bool verbose)
{
	char dir[] = "/tmp/ioe-pki-test-XXXXXX";
	char *keyfile, *certfile, *pem, *pem2, *bad, *csr, *sig, *cause = NULL;
	pki_ca_t *ca, *ca2, *loaded;
	signing_key_t *alpha, *bravo;
	pki_cert_info_t info, info2;
	int64_t now = (int64_t)time(NULL);
	struct stat st;
	size_t len;

	/* A CA and its certificate. */
	assert(pki_ca_create("bad mesh", PKI_CA_DAYS, &cause) == NULL);
	test_refused(-1, &cause, "mesh name", verbose);
	assert(pki_ca_create("mesh", 0, &cause) == NULL);
	test_refused(-1, &cause, "bad validity", verbose);
	ca = pki_ca_create("north-valley", PKI_CA_DAYS, &cause);
	assert(ca != NULL);
	assert(strcmp(pki_ca_mesh(ca), "north-valley") == 0);
	assert(pki_cert_info(pki_ca_cert_pem(ca), &info, &cause) == 0);
	assert(info.is_ca);
	assert(strcmp(info.name, PKI_CA_CN) == 0);
	assert(strcmp(info.mesh, "north-valley") == 0);
	assert(info.curve[0] == '\0');
	assert(strlen(info.serial) == 2 * PKI_SERIAL_SIZE);
	assert(info.not_before <= now - PKI_BACKDATE + 5);
	assert(info.not_after - info.not_before ==
	       (int64_t)PKI_CA_DAYS * PKI_DAY + PKI_BACKDATE);

	/* Save and load: the key 0600, the certificate readable. */
	assert(mkdtemp(dir) != NULL);
	keyfile = xasprintf("%s/ca.key", dir);
	certfile = xasprintf("%s/ca.pem", dir);
	assert(pki_ca_save(ca, keyfile, certfile, &cause) == 0);
	assert(stat(keyfile, &st) == 0 && (st.st_mode & 0777) == 0600);
	assert(stat(certfile, &st) == 0 && (st.st_mode & 0777) == 0644);
	loaded = pki_ca_load(keyfile, certfile, &cause);
	assert(loaded != NULL);
	assert(strcmp(pki_ca_cert_pem(loaded), pki_ca_cert_pem(ca)) == 0);
	assert(strcmp(pki_ca_mesh(loaded), "north-valley") == 0);
	pki_ca_destroy(&loaded);
	assert(loaded == NULL);
	chmod(keyfile, 0644);
	loaded = pki_ca_load(keyfile, certfile, &cause);
	test_refused(
	    loaded == NULL ? -1 : 0, &cause, "readable by others", verbose);
	chmod(keyfile, 0600);

	/* Another CA of the same name: same subject, different key. */
	ca2 = pki_ca_create("north-valley", PKI_CA_DAYS, &cause);
	assert(ca2 != NULL);
	assert(strcmp(pki_ca_cert_pem(ca2), pki_ca_cert_pem(ca)) != 0);
	assert(write_file_atomic(certfile, pki_ca_cert_pem(ca2),
		   strlen(pki_ca_cert_pem(ca2)), 0644, &cause) == 0);
	loaded = pki_ca_load(keyfile, certfile, &cause);
	test_refused(loaded == NULL ? -1 : 0, &cause,
	    "is not the certificate of the key", verbose);

	/* Issue and verify; every field comes back. */
	alpha = signing_key_generate(&cause);
	bravo = signing_key_generate(&cause);
	assert(alpha != NULL && bravo != NULL);
	pem = pki_issue(ca, "alpha", signing_key_public(alpha), TEST_CURVE_A,
	    PKI_NODE_DAYS, &cause);
	assert(pem != NULL);
	if (verbose)
		printf("%s", pem);
	assert(pki_verify(pki_ca_cert_pem(ca), pem, now, &info, &cause) == 0);
	assert(strcmp(info.name, "alpha") == 0);
	assert(strcmp(info.mesh, "north-valley") == 0);
	assert(memcmp(info.ed25519, signing_key_public(alpha),
	           ED25519_PUBLIC_SIZE) == 0);
	assert(strcmp(info.curve, TEST_CURVE_A) == 0);
	assert(strlen(info.serial) == 2 * PKI_SERIAL_SIZE);
	assert(!info.is_ca);
	assert(info.not_after - info.not_before ==
	       (int64_t)PKI_NODE_DAYS * PKI_DAY + PKI_BACKDATE);
	assert(pki_cert_info(pem, &info2, &cause) == 0);
	assert(memcmp(&info, &info2, sizeof info) == 0);
	/* A second certificate for the same node has its own serial. */
	pem2 = pki_issue(ca, "alpha", signing_key_public(alpha), TEST_CURVE_A,
	    PKI_NODE_DAYS, &cause);
	assert(pem2 != NULL);
	assert(pki_cert_info(pem2, &info2, &cause) == 0);
	assert(strcmp(info.serial, info2.serial) != 0);
	free(pem2);
	/* Surrounding white space is fine. */
	pem2 = xasprintf("\n%s\n\n", pem);
	assert(pki_verify(pki_ca_cert_pem(ca), pem2, now, NULL, &cause) == 0);
	free(pem2);

	/* Bad input to pki_issue. */
	pem2 = pki_issue(ca, "-alpha", signing_key_public(alpha), TEST_CURVE_A,
	    PKI_NODE_DAYS, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause, "node name", verbose);
	pem2 = pki_issue(ca, "al pha", signing_key_public(alpha), TEST_CURVE_A,
	    PKI_NODE_DAYS, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause, "node name", verbose);
	pem2 = pki_issue(ca, "alpha", signing_key_public(alpha), TEST_CURVE_BAD,
	    PKI_NODE_DAYS, &cause);
	test_refused(
	    pem2 == NULL ? -1 : 0, &cause, "bad transport key", verbose);
	pem2 = pki_issue(ca, "alpha", signing_key_public(alpha), "short",
	    PKI_NODE_DAYS, &cause);
	test_refused(
	    pem2 == NULL ? -1 : 0, &cause, "bad transport key", verbose);
	pem2 = pki_issue_at(ca, "alpha", signing_key_public(alpha),
	    TEST_CURVE_A, now, now, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause, "expire before", verbose);

	/* Signed by another CA, even one with the same name. */
	pem2 = pki_issue(ca2, "alpha", signing_key_public(alpha), TEST_CURVE_A,
	    PKI_NODE_DAYS, &cause);
	assert(pem2 != NULL);
	test_refused(pki_verify(pki_ca_cert_pem(ca), pem2, now, NULL, &cause),
	    &cause, "not signed by this mesh's CA", verbose);
	free(pem2);

	/* Expired, not yet valid, and valid but checked too late. */
	pem2 = pki_issue_at(ca, "alpha", signing_key_public(alpha),
	    TEST_CURVE_A, now - 10 * PKI_DAY, now - PKI_DAY, &cause);
	assert(pem2 != NULL);
	test_refused(pki_verify(pki_ca_cert_pem(ca), pem2, now, NULL, &cause),
	    &cause, "certificate has expired", verbose);
	free(pem2);
	pem2 = pki_issue_at(ca, "alpha", signing_key_public(alpha),
	    TEST_CURVE_A, now + PKI_DAY, now + 2 * PKI_DAY, &cause);
	assert(pem2 != NULL);
	test_refused(pki_verify(pki_ca_cert_pem(ca), pem2, now, NULL, &cause),
	    &cause, "certificate is not yet valid", verbose);
	free(pem2);
	test_refused(pki_verify(pki_ca_cert_pem(ca), pem,
	                 now + (PKI_NODE_DAYS + 1) * PKI_DAY, NULL, &cause),
	    &cause, "certificate has expired", verbose);

	/* A CA certificate is no node certificate, and a node certificate
	 * no CA. */
	test_refused(pki_verify(pki_ca_cert_pem(ca), pki_ca_cert_pem(ca), now,
	                 NULL, &cause),
	    &cause, "a CA certificate is not a node certificate", verbose);
	test_refused(pki_verify(pem, pem, now, NULL, &cause), &cause,
	    "the mesh CA certificate is not a CA certificate", verbose);

	/* Tampered with: one byte of base64; one bit of the signature, the
	 * name, the transport key; truncated; with junk after it; empty. */
	bad = xstrdup(pem);
	len = strlen(bad);
	bad[len / 2] ^= 1;
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, NULL, verbose);
	free(bad);
	bad = test_flip_der(pem, NULL);
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "bad certificate signature", verbose);
	free(bad);
	bad = test_flip_der(pem, "alpha");
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "bad certificate signature", verbose);
	free(bad);
	bad = test_flip_der(pem, TEST_CURVE_A);
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "bad certificate signature", verbose);
	free(bad);
	bad = xstrdup(pem);
	*strstr(bad, "-----END") = '\0';
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "malformed PEM", verbose);
	bad[len / 2] = '\0';
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "malformed PEM", verbose);
	free(bad);
	bad = xasprintf("%sx\n", pem);
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "trailing data", verbose);
	free(bad);
	bad = xasprintf("%s%s", pem, pem);
	test_refused(pki_verify(pki_ca_cert_pem(ca), bad, now, NULL, &cause),
	    &cause, "trailing data", verbose);
	free(bad);
	test_refused(pki_verify(pki_ca_cert_pem(ca), "", now, NULL, &cause),
	    &cause, "malformed PEM", verbose);
	test_refused(
	    pki_cert_info("", &info, &cause), &cause, "malformed PEM", verbose);
	test_refused(pki_verify("junk", pem, now, NULL, &cause), &cause,
	    "bad mesh CA certificate: malformed PEM", verbose);

	/* Request, sign, verify. */
	csr = pki_request_new(bravo, "bravo", TEST_CURVE_B, &cause);
	assert(csr != NULL);
	if (verbose)
		printf("%s", csr);
	test_refused(pki_verify(pki_ca_cert_pem(ca), csr, now, NULL, &cause),
	    &cause, "not a certificate", verbose);
	assert(pki_request_info(csr, &info, &cause) == 0);
	assert(strcmp(info.name, "bravo") == 0);
	assert(strcmp(info.curve, TEST_CURVE_B) == 0);
	assert(memcmp(info.ed25519, signing_key_public(bravo),
	           ED25519_PUBLIC_SIZE) == 0);
	pem2 = pki_sign_request(ca, csr, PKI_NODE_DAYS, &cause);
	assert(pem2 != NULL);
	assert(pki_verify(pki_ca_cert_pem(ca), pem2, now, &info, &cause) == 0);
	assert(strcmp(info.name, "bravo") == 0);
	assert(strcmp(info.mesh, "north-valley") == 0);
	assert(strcmp(info.curve, TEST_CURVE_B) == 0);
	assert(memcmp(info.ed25519, signing_key_public(bravo),
	           ED25519_PUBLIC_SIZE) == 0);
	free(pem2);

	/* Requests that must not be signed. */
	bad = test_flip_der(csr, NULL);
	pem2 = pki_sign_request(ca, bad, PKI_NODE_DAYS, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause,
	    "request signature does not verify", verbose);
	free(bad);
	bad = test_swap_key(csr, alpha);
	pem2 = pki_sign_request(ca, bad, PKI_NODE_DAYS, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause,
	    "request signature does not verify", verbose);
	free(bad);
	bad = request_build(bravo, "bravo", NULL, &cause);
	assert(bad != NULL);
	pem2 = pki_sign_request(ca, bad, PKI_NODE_DAYS, &cause);
	test_refused(
	    pem2 == NULL ? -1 : 0, &cause, "no transport key", verbose);
	free(bad);
	bad = request_build(bravo, "bravo", TEST_CURVE_BAD, &cause);
	assert(bad != NULL);
	pem2 = pki_sign_request(ca, bad, PKI_NODE_DAYS, &cause);
	test_refused(
	    pem2 == NULL ? -1 : 0, &cause, "malformed transport key", verbose);
	free(bad);
	bad = request_build(bravo, "bra/vo", TEST_CURVE_B, &cause);
	assert(bad != NULL);
	pem2 = pki_sign_request(ca, bad, PKI_NODE_DAYS, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause, "node name", verbose);
	free(bad);
	pem2 = pki_sign_request(ca, pem, PKI_NODE_DAYS, &cause);
	test_refused(pem2 == NULL ? -1 : 0, &cause, "not a certificate request",
	    verbose);
	assert(pki_request_new(bravo, "", TEST_CURVE_B, &cause) == NULL);
	test_refused(-1, &cause, "node name", verbose);
	free(csr);

	/* Revocation. */
	assert(pki_cert_info(pem, &info, &cause) == 0);
	sig = pki_revocation_sign(ca, info.serial, "alpha", now, &cause);
	assert(sig != NULL && strlen(sig) == PKI_REVOCATION_SIG_HEX);
	assert(pki_revocation_verify(
	    pki_ca_cert_pem(ca), info.serial, "alpha", now, sig));
	assert(!pki_revocation_verify(
	    pki_ca_cert_pem(ca), info.serial, "bravo", now, sig));
	assert(!pki_revocation_verify(
	    pki_ca_cert_pem(ca), info2.serial, "alpha", now, sig));
	assert(!pki_revocation_verify(
	    pki_ca_cert_pem(ca), info.serial, "alpha", now + 1, sig));
	assert(!pki_revocation_verify(
	    pki_ca_cert_pem(ca2), info.serial, "alpha", now, sig));
	assert(!pki_revocation_verify(pem, info.serial, "alpha", now, sig));
	assert(!pki_revocation_verify(
	    pki_ca_cert_pem(ca), info.serial, "alpha", now, "00"));
	sig[5] = sig[5] == '0' ? '1' : '0';
	assert(!pki_revocation_verify(
	    pki_ca_cert_pem(ca), info.serial, "alpha", now, sig));
	free(sig);
	sig = pki_revocation_sign(ca, "ABCD", "alpha", now, &cause);
	test_refused(sig == NULL ? -1 : 0, &cause, "has upper case", verbose);
	sig = pki_revocation_sign(ca, "xyz", "alpha", now, &cause);
	test_refused(sig == NULL ? -1 : 0, &cause, "bad serial", verbose);
	sig = pki_revocation_sign(ca, "abcd", "al:pha", now, &cause);
	test_refused(sig == NULL ? -1 : 0, &cause, "node name", verbose);

	/* A short-lived CA: its certificates end with it, and once it has
	 * expired nothing it signed verifies. */
	pki_ca_destroy(&ca2);
	ca2 = pki_ca_create("south", 10, &cause);
	assert(ca2 != NULL);
	pem2 = pki_issue(ca2, "alpha", signing_key_public(alpha), TEST_CURVE_A,
	    PKI_NODE_DAYS, &cause);
	assert(pem2 != NULL);
	assert(pki_verify(pki_ca_cert_pem(ca2), pem2, now, &info, &cause) == 0);
	assert(pki_cert_info(pki_ca_cert_pem(ca2), &info2, &cause) == 0);
	assert(info.not_after == info2.not_after);
	test_refused(pki_verify(pki_ca_cert_pem(ca2), pem2, now + 20 * PKI_DAY,
	                 NULL, &cause),
	    &cause, "the mesh CA certificate has expired", verbose);
	free(pem2);

	unlink(keyfile);
	unlink(certfile);
	rmdir(dir);
	free(keyfile);
	free(certfile);
	free(pem);
	signing_key_destroy(&alpha);
	signing_key_destroy(&bravo);
	pki_ca_destroy(&ca2);
	pki_ca_destroy(&ca);
	pki_ca_destroy(&ca);
	assert(ca == NULL);
}
