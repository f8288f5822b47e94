/*
 * fuzz-common.h - helpers shared by the libFuzzer targets (tests/fuzz/).
 *
 * The targets link the library's internal objects, so they may use its
 * internal helpers (fs_remove_tree, json_load_file_at, ...) as tests do.
 * Each target keeps a throwaway workspace made once with mkdtemp below
 * $TMPDIR (the runner points it at /dev/shm when it can) and removes it
 * at exit; a crash leaves it behind for inspection.
 */
#ifndef SCQ_FUZZ_COMMON_H
#define SCQ_FUZZ_COMMON_H

#include "base/compat.h"
#include "base/fs.h"
#include "store/handle.h"

#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",     \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

static char fuzz_ws[PATH_MAX];

static void fuzz_ws_remove(void)
{
	if (fuzz_ws[0])
		fs_remove_tree(AT_FDCWD, fuzz_ws);
}

/* Make the workspace once; returns its absolute path. */
SCQ_UNUSED static const char *fuzz_workspace(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	if (fuzz_ws[0])
		return fuzz_ws;
	snprintf(fuzz_ws, sizeof(fuzz_ws), "%s/scq-%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(fuzz_ws)) {
		perror("mkdtemp");
		abort();
	}
	atexit(fuzz_ws_remove);
	/* The identity must come from what each target passes, never from
	 * the environment of whoever runs `make fuzz`. */
	unsetenv("SYFTBOX_EMAIL");
	unsetenv("SYFTBOX_DATA_DIR");
	unsetenv("SYFTBOX_CLIENT_CONFIG_PATH");
	unsetenv("SYFTBOX_CONFIG_PATH");
	unsetenv("SCQ_FAULT_AT");
	setenv("HOME", fuzz_ws, 1);
	return fuzz_ws;
}

/* Write data to path (replacing it); aborts on failure. */
SCQ_UNUSED static void fuzz_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = data;
	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			perror(path);
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* A NUL-terminated copy of the input (caller frees). */
SCQ_UNUSED static char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
