/* The map of the mesh, from the result of the 'map' method: nodes placed
 * in rings around this node by their distance in hops, links drawn as
 * lines coloured by quality, into rows of text. */
#ifndef IOE_TUI_MODEL_MAP_H
#define IOE_TUI_MODEL_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tui.h"

enum map_quality { MAP_GOOD, MAP_FAIR, MAP_BAD };

typedef struct map_node {
	char *key;
	char *name;  /* display-safe */
	char *users; /* display-safe "alice, bob", or NULL */
	bool self;
	bool unreachable; /* the ledger knows it, no gossip reaches it */
	int hop;          /* hops from this node; -1: not linked to it */
	double angle;
	int x, y; /* the box's left column and row */
	int w;    /* the box's width */
} map_node_t;

typedef struct map_edge {
	size_t a, b; /* nodes */
	int quality; /* enum map_quality */
	bool has_rtt;
	double rtt_ms, loss;
} map_edge_t;

typedef struct map {
	map_node_t *node;
	size_t n;
	map_edge_t *edge;
	size_t m;
	bool loaded;
} map_t;

void map_init(map_t *self);
void map_free(map_t *self);
/* Replaces the map with a 'map' result. Returns 0, or -1 with *cause set
 * if it is not as documented. */
int map_load(map_t *self, json_t *result, char **cause);
/* The quality of a link: bad without a round trip yet, at 20% loss or
 * 500 ms; fair at 5% or 100 ms (as ioectl map). */
int map_quality(bool has_rtt, double rtt_ms, double loss);
/* Places the nodes in a width x height area. */
void map_layout(map_t *self, int width, int height);
/* The map in height rows of width columns: a heading, the drawing (each
 * node with its users under it, where there is room), the unreachable
 * nodes and a legend. */
void map_render(map_t *self, int width, int height, tui_rows_t *out);

void model_map_test(bool verbose);

#endif
