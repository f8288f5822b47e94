/*
 * index.c - the jobs in memory, one summary each (struct jobsum), and the
 * queue listing (GET /api/jobs) made from them.
 *
 * Listing the store reads every job's record: at 10,000 jobs that is the
 * cost of `scq pending --json`, too much for each page of a queue that is
 * searched and sorted as one types.  So the server lists the store once,
 * when a page first asks, and then follows the audit log (events.c):
 * every change of a job's state is one audit line naming it, after the
 * move on disk, and the job is looked up again then.  A listing is a pass
 * over summaries in memory, a filter, a sort and a slice.
 */
#include "ui.h"
#include <strings.h>
#include "ui-index.h"

void sum_free(struct jobsum *s)
{
	free(s->mem);
	memset(s, 0, sizeof *s);
}

/* Copy src (NULL stays NULL) to *at, advancing it. */
static char *put(char **at, const char *src)
{
	char *d = *at;
	size_t n;
	if (!src)
		return NULL;
	n = strlen(src) + 1;
	memcpy(d, src, n);
	*at += n;
	return d;
}

static size_t len0(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* One block per summary: the tag pointers, then every string (10,000
 * jobs are 10,000 allocations, not 80,000). */
void sum_from_job(struct jobsum *s, const scq_job *j)
{
	const char *f[7] = { scq_job_uid(j), scq_job_name(j), scq_job_requester(j),
			     scq_job_target(j), scq_job_created_at(j), scq_job_release_state(j),
			     scq_job_resubmit_of(j) };
	size_t i, n = scq_job_tag_count(j), size = n * sizeof(char *);
	char *at;
	sum_free(s);
	for (i = 0; i < 7; i++)
		size += len0(f[i]);
	for (i = 0; i < n; i++)
		size += len0(scq_job_tag(j, i));
	s->mem = malloc(size ? size : 1);
	if (!s->mem)
		abort();
	s->tags = n ? (char **)s->mem : NULL;
	at = (char *)s->mem + n * sizeof(char *);
	s->uid = put(&at, f[0]);
	s->name = put(&at, f[1]);
	s->requester = put(&at, f[2]);
	s->target = put(&at, f[3]);
	s->created_at = put(&at, f[4]);
	s->release_state = put(&at, f[5]);
	s->resubmit_of = put(&at, f[6]);
	for (i = 0; i < n; i++)
		s->tags[i] = put(&at, scq_job_tag(j, i));
	s->ntags = n;
	s->status = scq_job_status(j);
	s->held = scq_job_results_held(j);
	s->bad_signature = scq_job_signature(j) && !strcmp(scq_job_signature(j), "bad");
}

void sum_json(struct jw *j, const struct jobsum *s, const char *role)
{
	size_t i;
	jw_obj(j);
	jw_kstr(j, "uid", s->uid);
	jw_kstr(j, "name", s->name);
	jw_kstr(j, "requester", s->requester);
	jw_kstr(j, "target", s->target);
	jw_kstr(j, "status", scq_status_name(s->status));
	jw_kstr(j, "created_at", s->created_at);
	jw_key(j, "tags");
	jw_arr(j);
	for (i = 0; i < s->ntags; i++)
		jw_str(j, s->tags[i]);
	jw_end_arr(j);
	jw_kbool(j, "held", s->held);
	if (s->bad_signature) /* the list flags it as scq jobs does */
		jw_kbool(j, "bad_signature", 1);
	jw_kstr(j, "release_state", s->release_state);
	jw_kstr(j, "resubmit_of", s->resubmit_of);
	if (role)
		jw_kstr(j, "role", role);
	jw_end(j);
}

static struct jobsum *slot(struct jobindex *x)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct jobsum *v = realloc(x->v, cap * sizeof *v);
		if (!v)
			abort();
		x->v = v;
		x->cap = cap;
	}
	memset(&x->v[x->n], 0, sizeof x->v[0]);
	return &x->v[x->n++];
}

struct build { struct jobindex *x; size_t seen; };

static int add_one(const scq_job *j, void *ctx)
{
	struct build *b = ctx;
	struct jobsum *s = slot(b->x);
	sum_from_job(s, j);
	b->seen++;
	return 0;
}

void index_free(struct jobindex *x)
{
	size_t i;
	if (!x)
		return;
	for (i = 0; i < x->n; i++)
		sum_free(&x->v[i]);
	free(x->v);
	free(x);
}

int index_build(scq *h, int role, struct jobindex **out)
{
	struct jobindex *x = calloc(1, sizeof *x);
	struct build b = { x, 0 };
	size_t i;
	int r;
	if (!x)
		abort();
	x->role = role;
	r = scq_list_each(h, role, -1, add_one, &b);
	if (r) {
		index_free(x);
		*out = NULL;
		return r;
	}
	/* listed most recently changed first (owner): the rank keeps that */
	for (i = 0; i < x->n; i++)
		x->v[i].rank = x->n - i;
	x->clock = x->n;
	*out = x;
	return 0;
}

struct jobsum *index_find(struct jobindex *x, const char *uid)
{
	size_t i;
	for (i = 0; x && i < x->n; i++)
		if (!strcmp(x->v[i].uid, uid))
			return &x->v[i];
	return NULL;
}

int index_refresh_job(scq *h, struct jobindex *x, const char *uid, struct jobsum **out)
{
	scq_job *j = NULL;
	struct jobsum *s = index_find(x, uid);
	int r = scq_find(h, uid, x->role, &j);
	*out = NULL;
	if (r == SCQ_ENOTFOUND) {
		if (s) { /* gone from the store: drop it */
			sum_free(s);
			*s = x->v[--x->n];
		}
		return r;
	}
	if (r)
		return r;
	if (!s)
		s = slot(x);
	sum_from_job(s, j);
	s->rank = ++x->clock;
	scq_job_free(j);
	*out = s;
	return 0;
}

/* ---- the listing -------------------------------------------------------- */

struct query {
	unsigned status;  /* bits 1<<status, and HELD_BIT; 0: all */
	const char *q;
	int field;        /* F_* */
	int key, desc;    /* S_* */
};
#define HELD_BIT (1u << SCQ_STATUS_COUNT)
enum { F_ANY, F_NAME, F_REQUESTER, F_TAG, F_TARGET };
enum { S_CREATED, S_NAME, S_REQUESTER, S_STATUS, S_UPDATED };

static int has(const char *s, const char *q)
{
	return s && strcasestr(s, q) != NULL;
}

static int matches(const struct jobsum *s, const struct query *q)
{
	size_t i;
	if (!q->q || !*q->q)
		return 1;
	if ((q->field == F_ANY || q->field == F_NAME) && has(s->name, q->q))
		return 1;
	if ((q->field == F_ANY || q->field == F_REQUESTER) && has(s->requester, q->q))
		return 1;
	if ((q->field == F_ANY || q->field == F_TARGET) && has(s->target, q->q))
		return 1;
	if (q->field == F_ANY || q->field == F_TAG)
		for (i = 0; i < s->ntags; i++)
			if (has(s->tags[i], q->q))
				return 1;
	return 0;
}

static int in_status(const struct jobsum *s, unsigned bits)
{
	return !bits || (bits & (1u << s->status)) || ((bits & HELD_BIT) && s->held);
}

static struct query sort_query; /* qsort has no context argument */

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp(const void *pa, const void *pb)
{
	const struct jobsum *a = *(const struct jobsum *const *)pa;
	const struct jobsum *b = *(const struct jobsum *const *)pb;
	int c = 0;
	switch (sort_query.key) {
	case S_NAME: c = cmp_str(a->name, b->name); break;
	case S_REQUESTER: c = cmp_str(a->requester, b->requester); break;
	case S_STATUS: c = a->status - b->status; break;
	case S_UPDATED: c = a->rank < b->rank ? -1 : a->rank > b->rank; break;
	default: break;
	}
	if (!c)
		c = cmp_str(a->created_at, b->created_at);
	if (!c)
		c = cmp_str(a->uid, b->uid);
	return sort_query.desc ? -c : c;
}

static int parse_query(struct call *c, struct query *q)
{
	static const char *const fields[] = { "any", "name", "requester", "tag", "target", NULL };
	static const char *const keys[] = { "created", "name", "requester", "status", "updated", NULL };
	const char *st = call_arg(c, "status"), *f = call_arg(c, "field"), *s = call_arg(c, "sort");
	int i;
	memset(q, 0, sizeof *q);
	q->q = call_arg(c, "q");
	q->desc = 1;
	if (st && *st && strcmp(st, "all")) {
		char copy[256], *p, *save = NULL;
		snprintf(copy, sizeof copy, "%s", st);
		for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			int v = !strcmp(p, "held") ? SCQ_STATUS_COUNT : scq_status_parse(p);
			if (v < 0) {
				reply_error(c->r, 400, "bad_request", "unknown status");
				return -1;
			}
			q->status |= 1u << v;
		}
	}
	for (i = 0; f && *f && fields[i] && strcmp(fields[i], f); i++)
		;
	if (f && *f && !fields[i]) {
		reply_error(c->r, 400, "bad_request", "field must be any, name, requester, tag or target");
		return -1;
	}
	q->field = f && *f ? i : F_ANY;
	if (s && *s) {
		q->desc = s[0] == '-';
		s += q->desc;
		for (i = 0; keys[i] && strcmp(keys[i], s); i++)
			;
		if (!keys[i]) {
			reply_error(c->r, 400, "bad_request",
				    "sort must be created, name, requester, status or updated (- first: descending)");
			return -1;
		}
		q->key = i;
	}
	return 0;
}

void api_jobs(struct call *c)
{
	struct query q;
	struct jobindex *x;
	const struct jobsum **hit = NULL;
	size_t i, n = 0, counts[SCQ_STATUS_COUNT + 1] = { 0 }, all = 0;
	long long off, lim;
	int role = role_arg(c), r;
	struct jw j;
	if (role < 0 || parse_query(c, &q) || call_num(c, "offset", 0, 0, 1LL << 40, &off) ||
	    call_num(c, "limit", 50, 1, 200, &lim))
		return;
	if ((r = ui_index(c->u, role, &x)) != 0) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	hit = x->n ? malloc(x->n * sizeof *hit) : NULL;
	if (x->n && !hit)
		abort();
	for (i = 0; i < x->n; i++) {
		const struct jobsum *s = &x->v[i];
		if (!matches(s, &q))
			continue;
		all++;
		counts[s->status]++;
		counts[SCQ_STATUS_COUNT] += !!s->held;
		if (in_status(s, q.status))
			hit[n++] = s;
	}
	sort_query = q;
	if (n)
		qsort(hit, n, sizeof *hit, cmp);
	jw_init(&j);
	jw_obj(&j);
	jw_kint(&j, "total", (long long)n);
	jw_kint(&j, "offset", off);
	jw_kint(&j, "limit", lim);
	jw_kstr(&j, "role", role_name(role));
	jw_key(&j, "counts");
	jw_obj(&j);
	for (i = 0; i < SCQ_STATUS_COUNT; i++)
		jw_kint(&j, scq_status_name((int)i), (long long)counts[i]);
	jw_kint(&j, "held", (long long)counts[SCQ_STATUS_COUNT]);
	jw_kint(&j, "all", (long long)all);
	jw_end(&j);
	jw_key(&j, "jobs");
	jw_arr(&j);
	for (i = (size_t)off; i < n && i < (size_t)(off + lim); i++)
		sum_json(&j, hit[i], NULL);
	jw_end_arr(&j);
	jw_end(&j);
	free(hit);
	reply_json(c->r, &j);
}
