/*
 * sniff.c - an output's type by its content, not only its name.
 *
 * OpenSAFELY rejects about 10 % of outputs for the wrong file type, and a
 * name says nothing a job could not fake: a database named results.csv is
 * still a database.  So the magic bytes decide first (a short table of the
 * formats a job is likely to write); text (UTF-8, no NUL) then takes its
 * type from its extension; anything else is binary.
 */
#include "base/compat.h"
#include "base/buf.h"
#include "check/check.h"
#include "base/banned.h"

static const struct magic {
	const char *type, *kind;
	size_t at, len;
	const char *bytes;
} magics[] = {
	{ "png", "image", 0, 8, "\x89PNG\r\n\x1a\n" },
	{ "jpeg", "image", 0, 3, "\xff\xd8\xff" },
	{ "gif", "image", 0, 4, "GIF8" },
	{ "tiff", "image", 0, 4, "II*\0" },
	{ "tiff", "image", 0, 4, "MM\0*" },
	{ "webp", "image", 8, 4, "WEBP" },
	{ "bmp", "image", 0, 2, "BM" },
	{ "pdf", "binary", 0, 5, "%PDF-" },
	{ "zip", "binary", 0, 4, "PK\x03\x04" },
	{ "gzip", "binary", 0, 2, "\x1f\x8b" },
	{ "xz", "binary", 0, 6, "\xfd" "7zXZ\0" },
	{ "bzip2", "binary", 0, 3, "BZh" },
	{ "elf", "binary", 0, 4, "\x7f" "ELF" },
	{ "sqlite", "binary", 0, 16, "SQLite format 3\0" },
	{ "parquet", "binary", 0, 4, "PAR1" },
	{ "arrow", "binary", 0, 6, "ARROW1" },
	{ "hdf5", "binary", 0, 8, "\x89HDF\r\n\x1a\n" },
	{ "stata", "binary", 0, 11, "<stata_dta>" },
	{ "rdata", "binary", 0, 5, "RDX2\n" },
	{ "rdata", "binary", 0, 5, "RDX3\n" },
	{ "pickle", "binary", 0, 2, "\x80\x04" },
	{ "pickle", "binary", 0, 2, "\x80\x05" },
	{ "npy", "binary", 0, 6, "\x93NUMPY" },
};

/* The extension of the last component of path, lower case, into ext[17];
 * "" when there is none or it is not 1-16 letters and digits. */
static void extension(const char *path, char ext[17])
{
	const char *base = strrchr(path, '/'), *dot;
	size_t i, n;
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	ext[0] = '\0';
	if (!dot || dot == base || !dot[1] || (n = strlen(dot + 1)) > 16)
		return;
	for (i = 0; i < n; i++) {
		char c = dot[1 + i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
			ext[0] = '\0';
			return;
		}
		ext[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	ext[n] = '\0';
}

/* An SVG is XML text whose first element is <svg (after a declaration,
 * comments or a doctype): the first 1 KiB must name it. */
static int is_svg(const char *data, size_t len)
{
	size_t n = len < 1024 ? len : 1024;
	return memmem(data, n, "<svg", 4) != NULL;
}

int check_sniff(const char *path, const char *data, size_t len, char type[17],
		const char **kind)
{
	char ext[17];
	size_t i, n = len < 65536 ? len : 65536;
	extension(path, ext);
	for (i = 0; i < SCQ_NELEM(magics); i++) {
		const struct magic *m = &magics[i];
		if (len >= m->at + m->len && !memcmp(data + m->at, m->bytes, m->len)) {
			snprintf(type, 17, "%s", m->type);
			*kind = m->kind;
			/* a JPEG named .jpg, a TIFF .tif: the same type */
			return strcmp(ext, m->type) && !(!strcmp(m->type, "jpeg") && !strcmp(ext, "jpg")) &&
			       !(!strcmp(m->type, "tiff") && !strcmp(ext, "tif"));
		}
	}
	/* text: valid UTF-8 (a cut may end inside a character) and no NUL */
	if (!memchr(data, '\0', n) && utf8_valid(data, utf8_boundary(data, n, n))) {
		if (is_svg(data, len) || !strcmp(ext, "svg")) {
			snprintf(type, 17, "svg");
			*kind = "image";
			return strcmp(ext, "svg") != 0;
		}
		snprintf(type, 17, "%s", ext);
		*kind = "text";
		return 0;
	}
	snprintf(type, 17, "%s", ext[0] ? ext : "binary");
	*kind = "binary";
	/* binary bytes under a name that promises text */
	return !strcmp(ext, "csv") || !strcmp(ext, "tsv") || !strcmp(ext, "txt") ||
	       !strcmp(ext, "json") || !strcmp(ext, "md") || !strcmp(ext, "svg");
}
