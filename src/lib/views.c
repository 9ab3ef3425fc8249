#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "pki.h"
#include "util.h"
#include "views.h"
#include "views-chat.h"
#include "views-files.h"

/* Binds and runs one statement with the parameters in fmt ('s' text,
 * 'b' 32-byte blob (a key or an entry id), 'I' int64, 'n' null, whose
 * argument is passed and ignored), as sqlite3_bind_* would one by one. Returns 0, or -1 with *cause. */
int
views_run(sqlite3 *db, char **cause, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc, i = 1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(cause, "cannot update a view: %s",
		    sqlite3_errmsg(db));
	va_start(ap, fmt);
	for (const char *f = fmt; *f != '\0'; f++, i++) {
		switch (*f) {
		case 's':
			sqlite3_bind_text(s, i, va_arg(ap, const char *), -1,
			    SQLITE_TRANSIENT);
			break;
		case 'b':
			sqlite3_bind_blob(s, i, va_arg(ap, const uint8_t *), 32,
			    SQLITE_TRANSIENT);
			break;
		case 'I':
			sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		case 'n':
			/* The caller passes the NULL value too. */
			(void)va_arg(ap, const char *);
			sqlite3_bind_null(s, i);
			break;
		}
	}
	va_end(ap);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(cause, "cannot update a view: %s",
		    sqlite3_errmsg(db));
	return 0;
}

/* The body as a JSON object, or NULL (logged) if it is not one. */
json_t *
views_body(const entry_t *e)
{
	json_t *body = json_loadb((const char *)e->body, e->body_len, 0, NULL);

	if (body == NULL || !json_is_object(body)) {
		log_warning("%s entry %llu has an unusable body; skipped",
		    e->kind, (unsigned long long)e->seq);
		json_decref(body);
		return NULL;
	}
	return body;
}

static int
views_step(sqlite3 *db, sqlite3_stmt *s, char **cause)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail(cause, "cannot update a view: %s",
		    sqlite3_errmsg(db));
	return 0;
}

/* kind "node": the author's name and transport key; the highest
 * sequence number wins, since only the author writes its own. */
static int
views_apply_node(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = json_loadb((const char *)e->body, e->body_len, 0, NULL);
	const char *name = NULL, *transport = NULL;
	sqlite3_stmt *s;
	int rc = 0;

	if (body != NULL &&
	    json_unpack(body, "{s:s, s:s}", "name", &name, "transport",
		&transport) == 0 &&
	    name_check(name, "node name", NULL) == 0) {
		if (sqlite3_prepare_v2(db,
			"INSERT INTO nodes VALUES (?, ?, ?, ?, ?) "
			"ON CONFLICT (author) DO UPDATE SET name = "
			"excluded.name, transport = excluded.transport, "
			"lamport = excluded.lamport, seq = excluded.seq "
			"WHERE excluded.seq > nodes.seq",
			-1, &s, NULL) != SQLITE_OK)
			rc = fail(cause, "%s", sqlite3_errmsg(db));
		else {
			sqlite3_bind_blob(s, 1, e->author, 32, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 3, transport, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, (sqlite3_int64)e->lamport);
			sqlite3_bind_int64(s, 5, (sqlite3_int64)e->seq);
			rc = views_step(db, s, cause);
		}
	} else
		log_warning("node entry %llu has an unusable body; skipped",
		    (unsigned long long)e->seq);
	json_decref(body);
	return rc;
}

/* kind "journal": the crisis cell's running log. Text that is not UTF-8
 * (only a foreign or faulty node writes it) is kept escaped. */
static int
views_apply_journal(sqlite3 *db, const entry_t *e, char **cause)
{
	const char *text = (const char *)e->body;
	char *escaped = NULL;
	sqlite3_stmt *s;

	if (!text_is_utf8(text, e->body_len) ||
	    strlen(text) != e->body_len)
		text = escaped = text_escape(text, e->body_len);
	if (sqlite3_prepare_v2(db,
		"INSERT OR IGNORE INTO journal VALUES (?, ?, ?, ?, ?, ?)", -1,
		&s, NULL) != SQLITE_OK) {
		free(escaped);
		return fail(cause, "%s", sqlite3_errmsg(db));
	}
	sqlite3_bind_blob(s, 1, e->id, ENTRY_ID_SIZE, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, e->author, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)e->seq);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)e->lamport);
	sqlite3_bind_int64(s, 5, e->time_us);
	sqlite3_bind_text(s, 6, text, -1, SQLITE_TRANSIENT);
	free(escaped);
	return views_step(db, s, cause);
}

/* kind "pki.revoke": a revocation the CA signed. The signature is checked
 * against the CA when it is used, so the view holds every claim. */
static int
views_apply_revoke(sqlite3 *db, const entry_t *e, char **cause)
{
	json_t *body = json_loadb((const char *)e->body, e->body_len, 0, NULL);
	const char *serial = NULL, *name = NULL, *sig = NULL;
	json_int_t when = 0;
	sqlite3_stmt *s;
	int rc = 0;

	if (body == NULL ||
	    json_unpack(body, "{s:s, s:s, s:I, s:s}", "serial", &serial,
		"name", &name, "time", &when, "sig", &sig) != 0) {
		log_warning("revocation %llu has an unusable body; skipped",
		    (unsigned long long)e->seq);
		json_decref(body);
		return 0;
	}
	if (sqlite3_prepare_v2(db,
		"INSERT OR IGNORE INTO revocations VALUES (?, ?, ?, ?, ?)", -1,
		&s, NULL) != SQLITE_OK)
		rc = fail(cause, "%s", sqlite3_errmsg(db));
	else {
		sqlite3_bind_blob(s, 1, e->id, ENTRY_ID_SIZE, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, serial, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, when);
		sqlite3_bind_text(s, 5, sig, -1, SQLITE_STATIC);
		rc = views_step(db, s, cause);
	}
	json_decref(body);
	return rc;
}

/* kind "pki.cert": a certificate the CA issued, so that every node can
 * list the mesh's members. */
static int
views_apply_cert(sqlite3 *db, const entry_t *e, char **cause)
{
	pki_cert_info_t info;
	sqlite3_stmt *s;
	char *pem = xcalloc(e->body_len + 1, 1);
	int rc;

	memcpy(pem, e->body, e->body_len);
	if (pki_cert_info(pem, &info, NULL) != 0) {
		log_warning("certificate entry %llu does not parse; skipped",
		    (unsigned long long)e->seq);
		free(pem);
		return 0;
	}
	if (sqlite3_prepare_v2(db,
		"INSERT OR IGNORE INTO certificates VALUES (?, ?, ?, ?, ?)", -1,
		&s, NULL) != SQLITE_OK) {
		free(pem);
		return fail(cause, "%s", sqlite3_errmsg(db));
	}
	sqlite3_bind_text(s, 1, info.serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, info.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, info.not_before);
	sqlite3_bind_int64(s, 4, info.not_after);
	sqlite3_bind_text(s, 5, pem, -1, SQLITE_TRANSIENT);
	rc = views_step(db, s, cause);
	free(pem);
	return rc;
}

static const struct {
	const char *kind;
	int (*apply)(sqlite3 *, const entry_t *, char **);
} views[] = {
	{ "node", views_apply_node },
	{ "journal", views_apply_journal },
	{ "pki.revoke", views_apply_revoke },
	{ "pki.cert", views_apply_cert },
	{ "user", views_chat_user },
	{ "room.create", views_chat_room },
	{ "room.topic", views_chat_room },
	{ "room.set", views_chat_setting },
	{ "room.join", views_chat_member },
	{ "room.leave", views_chat_member },
	{ "msg", views_chat_msg },
	{ "dm", views_chat_msg },
	{ "alert", views_chat_alert },
	{ "ack", views_chat_ack },
	{ "alert.escalate", views_chat_escalate },
	{ "role.assign", views_chat_role },
	{ "role.unassign", views_chat_role },
	{ "role.deputy", views_chat_deputy },
	{ "file.put", views_files_op },
	{ "file.mkdir", views_files_op },
	{ "file.mv", views_files_op },
	{ "file.rm", views_files_op },
	{ "file.have", views_files_have },
};

/* Every table derived from the log (read_marks is not: it is local). */
static const char *const view_tables[] = {
	"nodes", "journal", "revocations", "certificates", "users", "rooms",
	"members", "messages_fts", "messages", "mentions", "alerts", "acks",
	"escalations", "roles", "deputies", "room_settings", "file_tree", "file_ops",
	"manifests", "file_holders", "files_applied",
};

int
views_apply(store_t *store, const entry_t *entry, char **cause)
{
	for (size_t i = 0; i < sizeof views / sizeof *views; i++) {
		if (strcmp(entry->kind, views[i].kind) == 0)
			return views[i].apply(store_db(store), entry, cause);
	}
	/* Kinds from newer nodes stay in the log until a version that knows
	 * them rebuilds its views. */
	return 0;
}

int
views_clear(store_t *store, char **cause)
{
	for (size_t i = 0; i < sizeof view_tables / sizeof *view_tables; i++) {
		/* An external-content full-text index is emptied by command. */
		char *sql = strcmp(view_tables[i], "messages_fts") == 0
		    ? xstrdup("INSERT INTO messages_fts (messages_fts) "
			      "VALUES ('delete-all')")
		    : xasprintf("DELETE FROM %s", view_tables[i]);
		int rc = sqlite3_exec(store_db(store), sql, NULL, NULL, NULL);

		free(sql);
		if (rc != SQLITE_OK)
			return fail(cause, "cannot clear view '%s': %s",
			    view_tables[i], sqlite3_errmsg(store_db(store)));
	}
	return 0;
}
