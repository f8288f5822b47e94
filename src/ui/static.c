/*
 * static.c - the static bundle (src/ui/assets/), embedded at build time:
 * scripts/ui-assets.sh writes bundle.S (in the build folder), which .incbin's every file and a
 * table of {name, start, end}.  Nothing is read from disk at run time.
 */
#include "ui.h"

struct asset {
	const char *name;
	const unsigned char *start, *end;
};
extern const struct asset scq_ui_assets[];

const unsigned char *asset_find(const char *name, size_t *len)
{
	const struct asset *a;
	for (a = scq_ui_assets; a->name; a++)
		if (!strcmp(a->name, name)) {
			*len = (size_t)(a->end - a->start);
			return a->start;
		}
	return NULL;
}

const char *asset_type(const char *name)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".woff2", "font/woff2" },
		{ ".json", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	size_t i, n = strlen(name);
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t e = strlen(types[i][0]);
		if (n > e && !strcmp(name + n - e, types[i][0]))
			return types[i][1];
	}
	return "application/octet-stream";
}
