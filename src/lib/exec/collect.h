/*
 * collect.h - copy a job's outputs from the directory the job wrote (hostile)
 * into the job's output folder (trusted), safely.
 *
 * Guarantees: never follows a symlink (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), never blocks on a FIFO (O_NONBLOCK, type checked
 * before and after open), copies only regular files and directories,
 * normalises modes (0644/0755, dirs 0755, no setuid/setgid/sticky),
 * excludes files with st_nlink > 1 and names that are not UTF-8 (JSON
 * could not list them), caps file count, depth, name length and total size.  Every excluded entry is listed in the report with its
 * reason and an escaped name; nothing is silently truncated (past 1000
 * entries the list ends with a summary entry; rep->excluded counts all).
 * Rule: output cut by a limit is never presented as whole: entries left
 * out for a limit are counted in rep->limited, and a source folder with no
 * free space left (the sandbox's /out is a tmpfs of max_output_bytes, so a
 * job that hit it had its last writes cut) sets rep->source_full; the
 * runner then records error_kind "output_limit".
 * For SANDBOX_FULL jobs, src is spec->out_dir after sandbox_reap.
 *
 * Exports (collect.c): collect_outputs.
 */
#ifndef SCQ_COLLECT_H
#define SCQ_COLLECT_H

#include "base/compat.h"
#include "base/buf.h"

struct collect_limits {
	long long max_bytes;  /* total size of the copied files */
	long long max_files;
	int max_depth;
	int max_name;         /* bytes of one path component */
};

struct collect_report {
	long long files, bytes;     /* copied */
	long long excluded;         /* entries left out */
	long long limited;          /* of which left out for a size/count limit */
	int source_full;            /* the job's output folder was full: the
				     * files written last may be cut */
	struct buf excluded_json;   /* JSON array of {path, reason}; caller releases */
};

/* src_dirfd: the job's /out as seen from the host; dst_dirfd: an empty
 * directory.  Returns 0 (even when entries were excluded) or -1 with a
 * message in err on a host-side error. */
int collect_outputs(int src_dirfd, int dst_dirfd, const struct collect_limits *lim,
		    struct collect_report *rep, struct buf *err);

#endif
