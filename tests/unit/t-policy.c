/*
 * t-policy.c - the sandbox policy tables: the seccomp filter compared
 * with reviewed golden pseudo-code (tests/sandbox/seccomp-*.pfc; x86_64,
 * libseccomp 2.5; regenerate with SCQ_UPDATE_GOLDEN=1 and review the
 * diff), the deny table, socket families, the mount plan and job uids.
 */
#include "base/compat.h"
#include <seccomp.h>
#include <sys/socket.h>
#include "base/buf.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
#include "tap.h"

static void golden(int network, const char *path)
{
	struct buf prog = BUF_INIT, pfc = BUF_INIT, err = BUF_INIT, want = BUF_INIT;
	is_int(policy_seccomp_build(network, &prog, &pfc, &err), 0, "filter builds (network %d)", network);
	ok(prog.len > 0 && prog.len % 8 == 0, "BPF program of whole instructions");
	ok(strstr(pfc.ptr, "KILL_PROCESS") != NULL, "bad ABI kills the process");
	if (getenv("SCQ_UPDATE_GOLDEN")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, pfc.ptr, pfc.len) != (ssize_t)pfc.len)
			tap_diag("cannot write %s", path);
		if (fd >= 0)
			close(fd);
	}
	tap_read_path(path, &want);
#if defined(__x86_64__)
	if (!ok(want.len && !strcmp(pfc.ptr, want.ptr), "filter matches golden %s", path))
		tap_diag("got:\n%s", pfc.ptr);
#else
	ok(1, "# SKIP golden filter is x86_64 only");
#endif
	buf_release(&prog);
	buf_release(&pfc);
	buf_release(&err);
	buf_release(&want);
}

static void test_table(void)
{
	size_t i, j;
	int dup = 0, unknown = 0;
	for (i = 0; i < policy_ndeny; i++) {
		for (j = i + 1; j < policy_ndeny; j++)
			dup += !strcmp(policy_deny[i].name, policy_deny[j].name);
		if (seccomp_syscall_resolve_name(policy_deny[i].name) == __NR_SCMP_ERROR) {
			unknown++;
			tap_diag("not on this arch: %s", policy_deny[i].name);
		}
	}
	is_int(dup, 0, "deny table has no duplicates");
	is_int(unknown, 0, "every denied syscall exists on this architecture");
	ok(policy_family_allowed(0, AF_UNIX) && policy_family_allowed(1, AF_UNIX),
	   "AF_UNIX always allowed");
	ok(!policy_family_allowed(0, AF_INET) && !policy_family_allowed(0, AF_INET6),
	   "no INET without network");
	ok(policy_family_allowed(1, AF_INET) && policy_family_allowed(1, AF_INET6) &&
	   !policy_family_allowed(1, AF_NETLINK) && !policy_family_allowed(1, AF_PACKET),
	   "network on: INET only, never NETLINK or PACKET");
}

static void test_ids(void)
{
	unsigned a = policy_host_id("job-a"), b = policy_host_id("job-b");
	ok(a >= POLICY_HOST_ID_BASE && a < POLICY_HOST_ID_BASE + POLICY_HOST_ID_SPAN,
	   "job uid in the dedicated range");
	ok(a != b, "different jobs get different uids");
	ok(policy_setup_id("job-a") != a && policy_setup_id("job-a") > 65535,
	   "set-up uid is unprivileged and not the job's");
}

static const struct mount_step *find(const struct mount_plan *p, int kind, const char *dst)
{
	size_t i;
	for (i = 0; i < p->n; i++)
		if (p->steps[i].kind == kind && !strcmp(p->steps[i].dst, dst))
			return &p->steps[i];
	return NULL;
}

static void test_plan(void)
{
	struct sandbox_spec s;
	struct sandbox_dataset ds[2] = { { "cohort", "/usr/share" }, { "../x", "/etc" } };
	struct mount_plan p;
	struct buf err = BUF_INIT;
	size_t i;
	int host = 0;
	memset(&s, 0, sizeof(s));
	s.code_dir = "/usr/lib";
	s.datasets = ds;
	s.ndatasets = 1;
	s.limits.out_bytes = 1 << 20;
	s.limits.tmp_bytes = 2 << 20;
	is_int(policy_mount_plan(&s, &p, &err), 0, "plan builds");
	ok(find(&p, MK_TREE, "/usr") && find(&p, MK_TREE, "/code") &&
	   find(&p, MK_TREE, "/data/cohort"), "usr, code and dataset are read-only trees");
	ok(find(&p, MK_TMPFS, "/out") && strstr(find(&p, MK_TMPFS, "/out")->data, "size=1048576"),
	   "/out is a size-capped tmpfs");
	ok(find(&p, MK_TMPFS, "/tmp") && strstr(find(&p, MK_TMPFS, "/tmp")->data, "size=2097152"),
	   "/tmp is a size-capped tmpfs");
	ok(find(&p, MK_PROC, "/proc") && find(&p, MK_REMOUNT_RO, "/") && find(&p, MK_DETACH, "/oldroot"),
	   "fresh /proc, old root detached, root read-only");
	for (i = 0; i < p.n; i++)
		if (p.steps[i].src && !strncmp(p.steps[i].src, "/oldroot/", 9) &&
		    strncmp(p.steps[i].src, "/oldroot/dev/", 13))
			host++;
	is_int(host, 0, "no host path is walked by the child except /dev nodes");
	ok(!find(&p, MK_TREE, "/etc") && !find(&p, MK_BIND_RO, "/etc/resolv.conf"),
	   "no host /etc without network");
	policy_mount_plan_free(&p);
	s.datasets = ds + 1;
	ok(policy_mount_plan(&s, &p, &err) < 0 && strstr(err.ptr, "bad name"),
	   "dataset name with a slash refused");
	buf_release(&err);
}

int main(void)
{
	golden(0, "tests/sandbox/seccomp-off.pfc");
	golden(1, "tests/sandbox/seccomp-net.pfc");
	test_table();
	test_ids();
	test_plan();
	return done_testing();
}
