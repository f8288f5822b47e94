#!/bin/sh
# Every move of a job between state folders goes through state.c
# (state_move; doc/protocol.md §5).  A function elsewhere in src/lib that
# both opens a state folder (queue_status_dir, queue_job_dir, the tmp/
# staging folder, a "jobs/..." path) and renames is a bypass: name it and
# fail.  fs.c (the rename primitive) and state.c are the exceptions.
# (default: every .c file under src/lib, in whatever folders it has)
[ $# -gt 0 ] || set -- $(find src/lib -name '*.c' | sort)
status=0
for f in "$@"; do
	case $f in */state.c|*/fs.c) continue ;; esac
	awk -v f="$f" '
		/^[a-z].*\(/ && !/;[ \t]*$/ { fn = $0; dirs = 0; ren = 0 }
		/queue_status_dir\(|queue_job_dir\(|store_subdir\([^,]*, *"(tmp|jobs)|"jobs\// { dirs = 1 }
		/(fs_rename|renameat2?|[^_a-z]rename)\(/ { ren = 1; at = FNR }
		/^}/ {
			if (dirs && ren) {
				printf "%s:%d: a rename between state folders outside state.c " \
				       "(use state_move): %s\n", f, at, fn
				bad = 1
			}
			dirs = ren = 0
		}
		END { exit bad }' "$f" || status=1
done
exit $status
