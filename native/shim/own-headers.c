/*
 * Floodgate's own headers in C (src/vocabulary/own-headers.ts names them: X-Floodgate-* and the status header). The
 * incoming headers of those names are counted per name as libmilter hands them over, however many headers come, in a
 * hash table per session, so that when the shim applies the fail mode itself it removes them as the engines do
 * (src/session/labels.ts): the status header's first occurrence changed, every other one deleted from the last.
 */
#include <strings.h>
#include "shim.h"

#define OWN_PREFIX "x-floodgate-"
#define OWN_PREFIX_LEN 12

static int is_own(const fg_session *s, const char *name)
{
	return strncasecmp(name, OWN_PREFIX, OWN_PREFIX_LEN) == 0 ||
		(s->status_header[0] && strcasecmp(name, s->status_header) == 0);
}

static uint32_t hash_name(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a over the lowercased name */
	for (const unsigned char *p = (const unsigned char *) name; *p; p++)
		h = (h ^ (uint32_t) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p)) * 16777619u;
	return h;
}

/* Double the table (at half load), keeping each entry's position in `order`. */
static int own_grow(fg_session *s)
{
	uint32_t cap = s->own_cap ? s->own_cap * 2 : 16;
	fg_own_entry *slots = calloc(cap, sizeof *slots);
	uint32_t *order = realloc(s->own_order, (cap / 2) * sizeof *order);
	if (slots == NULL || order == NULL) {
		free(slots);
		if (order != NULL)
			s->own_order = order;
		return -1;
	}
	s->own_order = order;
	for (uint32_t i = 0; i < s->own_used; i++) {
		fg_own_entry *e = &s->own[s->own_order[i]];
		uint32_t j = hash_name(e->name) & (cap - 1);
		while (slots[j].name != NULL)
			j = (j + 1) & (cap - 1);
		slots[j] = *e;
		s->own_order[i] = j;
	}
	free(s->own);
	s->own = slots;
	s->own_cap = cap;
	return 0;
}

/* An incoming header: counted when it is one of Floodgate's. */
void own_see(fg_session *s, const char *name)
{
	if (name == NULL || !is_own(s, name))
		return;
	if (s->own_used * 2 >= s->own_cap && own_grow(s) != 0)
		return;
	uint32_t j = hash_name(name) & (s->own_cap - 1);
	while (s->own[j].name != NULL) {
		if (strcasecmp(s->own[j].name, name) == 0) {
			s->own[j].count++;
			return;
		}
		j = (j + 1) & (s->own_cap - 1);
	}
	if ((s->own[j].name = strdup(name)) == NULL)
		return;
	s->own[j].count = 1;
	s->own_order[s->own_used++] = j;
}

/* Forget the counts: a new transaction starts (MAIL), or the last one ended. */
void own_reset(fg_session *s)
{
	for (uint32_t i = 0; i < s->own_used; i++) {
		free(s->own[s->own_order[i]].name);
		s->own[s->own_order[i]].name = NULL;
	}
	s->own_used = 0;
}

void own_free(fg_session *s)
{
	own_reset(s);
	free(s->own);
	free(s->own_order);
	s->own = NULL;
	s->own_order = NULL;
	s->own_cap = 0;
}

/*
 * Write the status header `value` (with the leading space when negotiated) and remove every other incoming header of
 * Floodgate's names. Headers need SMFIF_ADDHDRS and SMFIF_CHGHDRS; without them, what is not allowed is left out.
 */
void own_apply(fg_session *s, const char *value)
{
	char spaced[FG_LABEL_MAX + 2];
	snprintf(spaced, sizeof spaced, "%s%s", (s->protocol & SMFIP_HDR_LEADSPC) ? " " : "", value);
	int change = (s->actions & SMFIF_CHGHDRS) != 0, written = 0;
	for (uint32_t i = 0; i < s->own_used; i++) {
		fg_own_entry *e = &s->own[s->own_order[i]];
		int status = s->status_header[0] && strcasecmp(e->name, s->status_header) == 0;
		for (uint32_t index = e->count; change && index >= (status ? 2u : 1u); index--)
			smfi_chgheader(s->ctx, e->name, (int) index, NULL);
		if (status && change) {
			smfi_chgheader(s->ctx, s->status_header, 1, spaced);
			written = 1;
		}
	}
	if (!written && s->status_header[0] && (s->actions & SMFIF_ADDHDRS))
		smfi_addheader(s->ctx, s->status_header, spaced);
}
