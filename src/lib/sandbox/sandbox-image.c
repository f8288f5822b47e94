/*
 * sandbox-image.c - the embedded sandbox init (init-image.S) as a file
 * that can be exec'd from inside any mount namespace: a memfd, written
 * once per process and sealed, so that nothing (not even a later bug of
 * ours) can change what every sandbox runs as PID 1.
 * Guarantees: the returned descriptor is close-on-exec, read-only by
 * seal, and the same for the life of the process.
 */
#include "base/compat.h"
#include <pthread.h>
#include <sys/mman.h>
#include "sandbox/sandbox-int.h"
#include "base/banned.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: ask for an executable memfd */
#endif

extern const unsigned char scq_init_image[], scq_init_image_end[];

static pthread_mutex_t image_lock = PTHREAD_MUTEX_INITIALIZER;
static int image_fd = -1;

static int image_create(struct buf *err)
{
	size_t len = (size_t)(scq_init_image_end - scq_init_image), done = 0;
	int fd = memfd_create("scq-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* a kernel older than MFD_EXEC */
		fd = memfd_create("scq-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return buf_setf(err, "sandbox init: memfd_create: %s (the init runs from an "
				"executable memfd: sysctl vm.memfd_noexec must be 0 or 1)",
				strerror(errno)), -1;
	while (done < len) {
		ssize_t n = write(fd, scq_init_image + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fchmod(fd, 0555) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail:
	buf_setf(err, "sandbox init: writing the memfd: %s", strerror(errno));
	close(fd);
	return -1;
}

int sandbox_init_image(struct buf *err)
{
	int fd;
	pthread_mutex_lock(&image_lock);
	if (image_fd < 0)
		image_fd = image_create(err);
	fd = image_fd;
	pthread_mutex_unlock(&image_lock);
	return fd;
}
