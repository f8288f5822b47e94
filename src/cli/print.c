/*
 * print.c - readable text of the library's JSON for people: aligned
 * "Label:  value" lines, nested objects indented under their label, lists
 * of plain values comma-separated, lists of objects one item per block.
 * Used by show, review, doctor, config list, dataset list and audit; their
 * --json prints the JSON itself.  Strings go through cli_put: one line,
 * shown as it is but for markers (doc/protocol.md "Showing submitter text").
 */
#include "cli.h"

static int scalar(const scq_value *v)
{
	int t = scq_value_type(v);
	return t != SCQ_VALUE_OBJECT && t != SCQ_VALUE_ARRAY;
}

static int all_scalars(const scq_value *a)
{
	size_t i;
	for (i = 0; i < scq_value_size(a); i++)
		if (!scalar(scq_value_at(a, i, NULL)))
			return 0;
	return 1;
}

static void put_scalar(const scq_value *v)
{
	switch (scq_value_type(v)) {
	case SCQ_VALUE_STRING:
		cli_put(stdout, scq_value_string(v));
		break;
	case SCQ_VALUE_INT:
		printf("%lld", scq_value_int(v));
		break;
	case SCQ_VALUE_REAL:
		printf("%.6g", scq_value_real(v));
		break;
	case SCQ_VALUE_BOOL:
		printf("%s", scq_value_is_true(v) ? "true" : "false");
		break;
	default:
		printf("-");
	}
}

static int is_null(const scq_value *v)
{
	return scq_value_type(v) == SCQ_VALUE_NULL;
}

static int is_object(const scq_value *v)
{
	return scq_value_type(v) == SCQ_VALUE_OBJECT;
}

static int is_array(const scq_value *v)
{
	return scq_value_type(v) == SCQ_VALUE_ARRAY;
}

static int key_width(const scq_value *o)
{
	const char *k;
	const scq_value *v;
	size_t i;
	int w = 0;
	for (i = 0; is_object(o) && (v = scq_value_at(o, i, &k)); i++)
		if (!is_null(v) && (int)strlen(k) > w)
			w = (int)strlen(k);
	return w;
}

/* One item of a list that holds objects: "- k: v, k: v" when its members
 * are plain values, else "-" and the members below it. */
static void list_item(const scq_value *e, int indent)
{
	const char *k;
	const scq_value *v;
	size_t i;
	int first = 1, flat = is_object(e);
	for (i = 0; is_object(e) && (v = scq_value_at(e, i, &k)); i++)
		flat &= scalar(v);
	printf("%*s-", indent, "");
	if (!is_object(e) || !flat) {
		printf(is_object(e) ? "\n" : " ");
		if (is_object(e))
			cli_print_object(e, indent + 2);
		else if (scalar(e))
			put_scalar(e), printf("\n");
		else
			cli_print_field("list", 4, e, indent + 2);
		return;
	}
	for (i = 0; (v = scq_value_at(e, i, &k)); i++) {
		if (is_null(v))
			continue;
		printf("%s", first ? " " : ", ");
		cli_put(stdout, k);
		printf(": ");
		put_scalar(v);
		first = 0;
	}
	printf("\n");
}

void cli_print_object(const scq_value *o, int indent)
{
	const char *k;
	const scq_value *v;
	size_t i;
	int w = key_width(o);
	for (i = 0; is_object(o) && (v = scq_value_at(o, i, &k)); i++)
		if (!is_null(v)) {
			size_t n = 0;
			char *e = scq_escape_text(k, strlen(k), 0, &n);
			cli_print_field(e, w, v, indent);
			free(e);
		}
}

void cli_print_field(const char *label, int width, const scq_value *v, int indent)
{
	size_t i;
	int inline_value = scalar(v) || (is_array(v) && all_scalars(v));
	printf("%*s%s:%*s", indent, "", label,
	       inline_value ? width - (int)strlen(label) + 2 : 0, "");
	if (scalar(v)) {
		put_scalar(v);
		printf("\n");
	} else if (is_array(v) && all_scalars(v)) {
		if (!scq_value_size(v))
			printf("(none)");
		for (i = 0; i < scq_value_size(v); i++) {
			printf("%s", i ? ", " : "");
			put_scalar(scq_value_at(v, i, NULL));
		}
		printf("\n");
	} else if (is_array(v)) {
		printf("\n");
		for (i = 0; i < scq_value_size(v); i++)
			list_item(scq_value_at(v, i, NULL), indent + 2);
	} else {
		printf("\n");
		cli_print_object(v, indent + 2);
	}
}
