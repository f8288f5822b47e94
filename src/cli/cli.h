/*
 * cli.h - what the scq command's files share: the open handle, option
 * helpers, error reporting and safe printing.  Programs include only scq.h
 * and this header (the Makefile checks it).
 */
#ifndef SCQ_CLI_H
#define SCQ_CLI_H

#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scq.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage; /* one line after "scq NAME" */
	const char *help;  /* one-line summary */
	/* scq_refresh flags the command's handle gets before its first use
	 * (0: none).  Library reads never write; commands that show or change
	 * the owner's queue see it brought up to date once (git's RUN_SETUP). */
	unsigned refresh;
};

/* The table's refresh values.  Ingest and expiry cost nothing per job in
 * the store (a single-job command stays as cheap at 100,000 jobs); the
 * clean-up of my abandoned submissions walks them all, so only the
 * commands that list them all do it.  NOTIFY (my notify_command, told of
 * my jobs' new statuses) costs nothing while the setting is off. */
#define RUN_REFRESH (SCQ_REFRESH_INGEST | SCQ_REFRESH_EXPIRE | SCQ_REFRESH_NOTIFY)
#define RUN_CLEAN (SCQ_REFRESH_SUBMISSIONS | SCQ_REFRESH_NOTIFY) /* my submissions */

extern struct scq_open_options cli_opts;
extern const struct cmd *cli_current;

/* Open the handle (dies with a clear message if there is no identity).
 * The first call of a command whose table entry has refresh flags runs
 * scq_refresh with them (main sets cli_refresh_flags); if that fails it
 * prints the error (and the ingest notices) and exits 1, as the reads that
 * used to ingest did. */
scq *cli_open(void);
extern unsigned cli_refresh_flags;
/* --no-refresh: no scq_refresh at all, so read commands write nothing
 * (decisions still write). */
extern int cli_no_refresh;
/* Print "scq: <msg>" for a library failure and return EXIT_FAIL. */
int cli_fail(scq *h, int code);
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print help of the current command to stdout, return 0. */
int cli_help(void);
/* 1 if argv[i] is -h/--help anywhere. */
int cli_wants_help(int argc, char **argv);
/* Show submitter text (scq_escape_text): cli_put and cli_put_n as one
 * line (LF and TAB become markers), cli_put_text as it is with its lines
 * and TABs (files, logs).  They count the markers they show;
 * cli_markers_notice (main, after the command) then says once, on stderr,
 * what the markers are. */
void cli_put(FILE *f, const char *s);
void cli_put_n(FILE *f, const char *s, size_t len);
void cli_put_text(FILE *f, const char *s, size_t len);
/* A library message (scq_errmsg): one line, its markers kept as they are. */
void cli_put_msg(FILE *f, const char *s, size_t len);
void cli_markers_notice(void);
/* --raw: refuse (usage error, with the fix) when stdout is a terminal. */
int cli_raw_refused(const char *cmd, const char *id);
/* Write bytes to stdout unchanged; EXIT_FAIL with a message on error. */
int cli_write_raw(const char *data, size_t len);
/* Resolve an id or prefix to a full uid (caller frees) or fail. */
char *cli_resolve(scq *h, const char *id, int role, int *rc);
/* The same for what only the data owner may do (verb: "approve", ...): a
 * job I requested is refused naming its owner, not "not found". */
char *cli_resolve_owner(scq *h, const char *id, const char *verb, int *rc);
/* The same, giving the job found (caller frees with scq_job_free): one
 * find for a job of mine, two only to word the refusal above. */
scq_job *cli_find_owner(scq *h, const char *id, const char *verb, int *rc);
/* Print a JSON document with a trailing newline and free it. */
void cli_print_json(char *json);
/* Aligned job table, streamed row by row (role: FROM or TO column;
 * CLI_AS_REVIEWER: FROM and OWNER, for the copies shared for review). */
#define CLI_AS_REVIEWER 8
void cli_table_header(int role);
/* 1 when the row is a requester's job whose status the owner's key does not verify */
int cli_table_row(const scq_job *j, int role);
void cli_print_ingest_notices(scq *h);
/* Readable text of JSON (print.c): cli_print_field prints "label:" padded
 * to width, then the value; objects follow indented, one "key: value" line
 * per non-null member (cli_print_object); plain lists are comma-separated. */
void cli_print_field(const char *label, int width, const scq_value *v, int indent);
void cli_print_object(const scq_value *o, int indent);
/* The human view of one job (show, review): aligned "Label: value" lines. */
void cli_show_job(const scq_job *j);
int cli_color(void);
/* A release decision: which files were released, which withheld and why
 * (o: the job's object; nothing while awaiting release).  The owner's
 * view of a held job: the requester's CONTEXT.md, escaped (cmd-release.c). */
void cli_show_release(const scq_value *o);
void cli_show_context(scq *h, const scq_job *j);
/* The outputs the owner withheld, with the reasons (scq output, on f). */
void cli_withheld_notes(FILE *f, const scq_value *job);
/* Say what of a job's outputs was cut or left out (job: its object). */
void cli_output_notes(FILE *f, const scq_value *job);

/* Command entry points. */
int cmd_init(int, char **);
int cmd_datasites(int, char **);
int cmd_ping(int, char **);
int cmd_submit(int, char **);
int cmd_submit_python(int, char **);
int cmd_submit_bash(int, char **);
int cmd_pending(int, char **);
int cmd_list(int, char **);
int cmd_jobs(int, char **);
int cmd_show(int, char **);
int cmd_review(int, char **);
int cmd_approve(int, char **);
int cmd_reject(int, char **);
int cmd_rerun(int, char **);
int cmd_cancel(int, char **);
int cmd_release(int, char **);
int cmd_withhold(int, char **);
int cmd_return(int, char **);
int cmd_review_output(int, char **);
int cmd_export(int, char **);
int cmd_logs(int, char **);
int cmd_output(int, char **);
int cmd_wait(int, char **);
int cmd_republish(int, char **);
int cmd_status(int, char **);
int cmd_run(int, char **);
int cmd_config(int, char **);
int cmd_audit(int, char **);
int cmd_dataset(int, char **);
int cmd_runtime(int, char **);
int cmd_runtimes(int, char **);
int cmd_datasets(int, char **);
int cmd_try(int, char **);
int cmd_reviewers(int, char **);
int cmd_keys(int, char **);
int cmd_votes(int, char **);
int cmd_doctor(int, char **);
int cmd_exec_node(int, char **);
int cmd_demo(int, char **);
int cmd_ui(int, char **);

#endif
