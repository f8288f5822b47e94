/*
 * cmd-ui.c - `scq ui`: the dashboard.  The server is its own program,
 * scq-ui (src/ui, doc/ui-api.md), built and installed beside scq, so that
 * only it links the HTTP library: this command runs it with the global
 * options (--email, --data-dir, --config) and its own arguments.
 */
#include "cli.h"
#include <errno.h>
#include <limits.h>
#include <unistd.h>

int cmd_ui(int argc, char **argv)
{
	char self[PATH_MAX], *slash;
	const char **args;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
	int i, k = 0;
	if (n <= 0) {
		fprintf(stderr, "scq: cannot find my own program (/proc/self/exe): %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	/* readlink left 16 bytes free: room for the sibling's name */
	memcpy(slash ? slash + 1 : self, "scq-ui", sizeof "scq-ui");
	args = calloc((size_t)argc + 8, sizeof *args);
	if (!args)
		abort();
	args[k++] = self;
	if (cli_opts.email)
		args[k++] = "--email", args[k++] = cli_opts.email;
	if (cli_opts.data_dir)
		args[k++] = "--data-dir", args[k++] = cli_opts.data_dir;
	if (cli_opts.config_path)
		args[k++] = "--config", args[k++] = cli_opts.config_path;
	for (i = 1; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	execv(self, (char *const *)args); /* execv never writes them */
	fprintf(stderr, "scq: cannot run %s (the dashboard server, built beside scq): %s\n",
		self, strerror(errno));
	free((void *)args);
	return EXIT_FAIL;
}
