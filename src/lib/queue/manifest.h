/*
 * manifest.h - the list of a job's code files with size, mode and SHA-256,
 * and the code digest computed from it.
 *
 * A manifest is a JSON array of {path, size, mode, sha256}, sorted by path,
 * with mode 0644 or 0755.  The code digest is SHA-256 over the canonical
 * text "path\0size\0mode\0sha256\n" of every entry in order: the same
 * bytes give the same digest on every machine, and any change of content,
 * name or exec bit changes it.
 *
 * Exports (manifest.c): manifest_copy_tree, manifest_copy_tree_ex, manifest_copy_mock,
 *   manifest_copy_only,
 * syftbox_ignored, manifest_validate, manifest_digest, manifest_entry_at,
 * manifest_find.
 * Exports (manifest-verify.c): manifest_check_tree,
 * manifest_copy_verified, manifest_open_parent, manifest_verify,
 * manifest_verify_exact.
 */
#ifndef SCQ_MANIFEST_H
#define SCQ_MANIFEST_H

#include "base/compat.h"
#include <jansson.h>
#include "base/buf.h"
#include "store/limits.h"


/* Walk the folder at srcfd (no symlinks, no special files: refused with a
 * message naming the path), copy every file below dstfd (deferred sync)
 * and return the manifest (new reference). */
json_t *manifest_copy_tree(int srcfd, int dstfd, struct buf *err);
/* The same, leaving out (and listing in skipped) names SyftBox never syncs. */
json_t *manifest_copy_tree_ex(int srcfd, int dstfd, struct buf *err, json_t *skipped);
/* manifest_copy_tree_ex for a mock (mock.c): its refusals say "mock" and
 * "published as mock data", not "job" and "submitted". */
json_t *manifest_copy_mock(int srcfd, int dstfd, struct buf *err, json_t *skipped);
/* The same copying only the files whose paths are keys of only (and the
 * folders above them): a release of some outputs. */
json_t *manifest_copy_only(int srcfd, int dstfd, json_t *only, struct buf *err);
int syftbox_ignored(const char *name, int is_dir);
/* Check the manifest's shape and every path; message names the entry. */
int manifest_validate(json_t *m, struct buf *err);
/* Hex code digest of a valid manifest. */
void manifest_digest(json_t *m, char out[65]);

/* One entry of a manifest, read in place: the strings belong to the
 * manifest (NULL where an unvalidated entry lacks them). */
struct manifest_entry {
	const char *path, *mode, *sha256;
	long long size;
	int exec; /* mode "0755" */
};
void manifest_entry_at(json_t *e, struct manifest_entry *out);
/* The entry of path in m, or NULL. */
json_t *manifest_find(json_t *m, const char *path);

/* VERIFY_LOCAL: a failure on our side (disk full, I/O error): retry later,
 * never blame the submitter for it. */
enum verify_result { VERIFY_OK = 0, VERIFY_INCOMPLETE = 1, VERIFY_BAD = -1, VERIFY_LOCAL = -2 };
/*
 * Compare the tree at srcfd with the manifest: extra entries, links and
 * special files are BAD; missing or short files are INCOMPLETE (sync may
 * still be delivering them).  top_extra names one file allowed at the top
 * level besides the manifest (job.json).
 */
int manifest_check_tree(int srcfd, json_t *m, const char *top_extra,
			struct buf *err);
/* Copy the manifest's files from srcfd to dstfd, hashing as it copies:
 * any difference from the manifest is BAD (or INCOMPLETE if short). */
int manifest_copy_verified(int srcfd, int dstfd, json_t *m, struct buf *err);
/* The parent folder of path below root (made, with mkdir, if create), as
 * a descriptor (caller closes; never outside root); *base points at the
 * last component of path. */
int manifest_open_parent(int root, const char *path, int create, const char **base);
/* Re-hash the files at dirfd against the manifest (before a run). */
int manifest_verify(int dirfd, json_t *m, struct buf *err);
/* The tree at dirfd is exactly the manifest: no extra or missing entry,
 * no link or special file, every file with the listed size, SHA-256 and
 * mode (0644/0755).  0, or -1 with a message naming the entry. */
int manifest_verify_exact(int root, json_t *m, struct buf *err);

#endif
