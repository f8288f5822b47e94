/*
 * sandbox-msg.h - the messages between the runner and a job's sandbox,
 * shared by the library (sandbox.c, sandbox-child.c) and the sandbox init
 * (init/scq-init.c, which has no C library: only plain C types here).
 *
 * One SOCK_SEQPACKET socket pair per job; every message is one struct
 * child_msg.  The init finds its end of it at descriptor 3 (see
 * SANDBOX_INIT_SOCK) and its orders in its argv:
 *   argv[0]            "scq-init"
 *   argv[1]            the job's working directory
 *   argv[2]            N, the number of rlimits that follow
 *   argv[3..3+N-1]     "RESOURCE:VALUE", both decimal
 *   argv[3+N..]        the job's own argv (argv[3+N] an absolute path)
 * and the job's environment as its own.  Descriptors 0, 1 and 2 are the
 * job's stdin (/dev/null), stdout and stderr.
 */
#ifndef SCQ_SANDBOX_MSG_H
#define SCQ_SANDBOX_MSG_H

#define SANDBOX_INIT_SOCK 3

enum child_msg_type {
	CM_GO = 'G',     /* parent -> child: ids mapped (build the root) */
	CM_JOIN = 'J',   /* parent -> child: the job's cgroups are made; their
			    cgroup.procs come with it (SCM_RIGHTS): join them,
			    then start the job */
	CM_OUT = 'O',    /* child -> parent: SCM_RIGHTS fd of the /out tmpfs */
	CM_READY = 'R',  /* init -> parent: the job has exec'd */
	CM_ERROR = 'E',  /* child or init -> parent: setup failed, see text and err */
	CM_STATUS = 'S'  /* init -> parent: wait status of the job's main process */
};

struct child_msg {
	char type;
	int err;        /* errno of the failed step, or the wait status */
	char text[200]; /* what failed, NUL-terminated */
};

#endif
