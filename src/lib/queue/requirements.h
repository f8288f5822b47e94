/*
 * requirements.h - a job's requirements.txt checked against what a runtime
 * holds: pure functions over bytes and a package map, no store, no handle.
 * Submit (against the owner's published runtimes.json), review (against
 * the owner's own scan) and the runner (the job's pip, inside the sandbox)
 * all call requirements_check, so the three give the same answer.
 *
 * Exports (requirements.c): runtime_name_valid, pkg_name_normalize,
 * pkg_version_valid, version_cmp, version_match, requirements_check.
 *
 * The forms understood are pip's common ones: a name, extras in brackets
 * (ignored: the base package is checked), version specifiers (==, !=, >=,
 * <=, >, <, ~=, ===, and == / != with a trailing .*), comma-separated,
 * comments (a line from '#', or from ' #'), and environment markers after
 * ';' (ignored, with a note).  Options (-r, -e, --index-url, ...) and URLs
 * (name @ url, git+https://...) are problems: the job has no network and
 * the check cannot follow them.  Versions compare as PEP 440 in short:
 * epoch, then release numbers (1.0 == 1.0.0), then dev < a < b < rc <
 * final < post; a local part (+...) is ignored.
 */
#ifndef SCQ_REQUIREMENTS_H
#define SCQ_REQUIREMENTS_H

#include "base/compat.h"
#include "base/buf.h"
#include <jansson.h>

/* Lines of requirements.txt checked; more is a problem ("the rest not
 * checked"), never a silent cut. */
#define REQUIREMENTS_MAX_LINES 1000
/* Bytes of requirements.txt read (a larger file is a problem). */
#define REQUIREMENTS_MAX_BYTES ((size_t)256 << 10)

/* A runtime's name: 1-16 lower-case letters and digits, not "none" (the
 * default_runtime value that means no runtime). */
int runtime_name_valid(const char *s);

/* The PEP 503 form of a package name (lower case, runs of '-', '_', '.'
 * as one '-') into out; -1 if s[0..n) is not a package name (letters,
 * digits, '-', '_', '.', starting and ending with a letter or digit,
 * at most 128 bytes). */
int pkg_name_normalize(const char *s, size_t n, struct buf *out);

/* 1 if s[0..n) is a version as published (1-64 letters, digits and
 * ". + ! _ -"). */
int pkg_version_valid(const char *s, size_t n);
/* <0, 0, >0 as version a orders before, as, after b. */
int version_cmp(const char *a, const char *b);
/* 1 if version have satisfies "op want" (op: "==", "!=", ">=", "<=", ">",
 * "<", "~=", "==="; want may end in ".*" for == and !=). */
int version_match(const char *have, const char *op, const char *want);

struct req_result {
	int problems;   /* missing, mismatched or unreadable requirements */
	int notes;      /* markers ignored */
	int checked;    /* requirements checked (satisfied or not) */
};

/*
 * Check text[0..len) against pkgs (a JSON object: normalized name ->
 * version string) of the runtime called runtime (for the messages).
 * Appends one line per problem and per note to out, each ending in '\n',
 * every byte of them printable ASCII: names and versions are shown only
 * once they passed the strict forms above, anything else is named by its
 * line number.  Fills *res.
 */
void requirements_check(const char *text, size_t len, json_t *pkgs, const char *runtime,
			struct buf *out, struct req_result *res);

#endif
