/* The views of chat, alerts and roles (see doc/chat.md). */
#ifndef IOE_VIEWS_CHAT_H
#define IOE_VIEWS_CHAT_H

#include <sqlite3.h>

#include "entry.h"

int views_chat_user(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_room(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_setting(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_member(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_msg(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_alert(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_ack(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_escalate(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_role(sqlite3 *db, const entry_t *e, char **cause);
int views_chat_deputy(sqlite3 *db, const entry_t *e, char **cause);

/* The room key of the direct conversation between two users written
 * name@node: "@" and the two, sorted, joined by "|". Caller frees. */
char *views_chat_dm_room(const char *a, const char *b);

#endif
