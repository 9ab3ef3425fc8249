#include "config.h"

#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "proto.h"
#include "util.h"

/* One row of the report: the journal, alerts, acknowledgements and
 * escalations in time order. */
static const char api_export_sql[] =
    "SELECT j.time, 'journal', n.name, '', '', j.text, '' FROM journal j "
    "JOIN nodes n ON n.author = j.author WHERE j.time >= ?1 "
    "UNION ALL SELECT a.time, 'alert ' || a.level, n.name, a.user, a.room, "
    "a.text, substr(lower(hex(a.id)), 1, 12) FROM alerts a JOIN nodes n ON "
    "n.author = a.author WHERE a.time >= ?1 "
    "UNION ALL SELECT k.time, 'ack', n.name, k.user, a.room, a.text, "
    "substr(lower(hex(k.alert)), 1, 12) FROM acks k JOIN nodes n ON "
    "n.author = k.author JOIN alerts a ON a.id = k.alert WHERE k.time >= ?1 "
    "UNION ALL SELECT e.time, 'escalation', '', coalesce(e.role, ''), "
    "a.room, a.text, substr(lower(hex(e.alert)), 1, 12) FROM escalations e "
    "JOIN alerts a ON a.id = e.alert WHERE e.time >= ?1 "
    "ORDER BY 1";

/* A CSV field: quoted, quotes doubled. */
static void
api_export_csv_field(FILE *fp, const char *s, bool last)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
	fputc(last ? '\n' : ',', fp);
}

/* Markdown text: escaped like the terminal output, and with the
 * characters that would make a table cell or markup of it escaped. */
static void
api_export_md_text(FILE *fp, const char *s)
{
	char *safe = text_escape(s, strlen(s));

	for (const char *p = safe; *p != '\0'; p++) {
		if (strchr("|*_`[]<>#", *p) != NULL)
			fputc('\\', fp);
		fputc(*p, fp);
	}
	free(safe);
}

static json_t *
api_export_exec(node_t *node, json_t *params, api_error_t *err)
{
	const char *format = "md";
	json_int_t since = INT64_MIN;
	char *text = NULL;
	size_t len = 0;
	sqlite3_stmt *s;
	json_t *result;
	FILE *fp;
	int rows = 0;

	if (api_param_string(params, "format", &format, err) != 0 ||
	    api_param_int(params, "since", &since, err) != 0)
		return NULL;
	if (strcmp(format, "md") != 0 && strcmp(format, "csv") != 0)
		return api_fail(err, CTL_E_INVALID,
		    "bad format '%s': use md or csv", format);
	if (sqlite3_prepare_v2(store_db(node->store), api_export_sql, -1, &s,
		NULL) != SQLITE_OK)
		return api_fail(err, CTL_E_STORE, "%s",
		    sqlite3_errmsg(store_db(node->store)));
	sqlite3_bind_int64(s, 1, since);
	fp = open_memstream(&text, &len);
	if (strcmp(format, "csv") == 0)
		fputs("time,kind,node,user,room,text,ref\n", fp);
	else {
		char now[40];

		time_format_iso(time_now_us(), now, sizeof now);
		fprintf(fp, "# Crisis log\n\nExported from node %s at %s.\n\n"
			    "| time (UTC) | what | node | user | room | text | "
			    "ref |\n|---|---|---|---|---|---|---|\n",
		    node->name, now);
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		char when[40];
		const char *col[6];

		time_format_iso(sqlite3_column_int64(s, 0), when, sizeof when);
		for (int i = 0; i < 6; i++)
			col[i] = (const char *)sqlite3_column_text(s, i + 1);
		rows++;
		if (strcmp(format, "csv") == 0) {
			api_export_csv_field(fp, when, false);
			for (int i = 0; i < 6; i++)
				api_export_csv_field(fp, col[i], i == 5);
		} else {
			fprintf(fp, "| %.19s |", when);
			for (int i = 0; i < 6; i++) {
				fputc(' ', fp);
				api_export_md_text(fp, col[i]);
				fputs(" |", fp);
			}
			fputc('\n', fp);
		}
	}
	sqlite3_finalize(s);
	fclose(fp);
	result = json_pack("{s:s, s:s, s:i}", "format", format, "text", text,
	    "rows", rows);
	free(text);
	return result;
}

const api_method_t api_export = {
	.name = "export",
	.exec = api_export_exec,
};
