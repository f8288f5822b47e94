/*
 * print.c - readable text of the library's JSON for people: aligned
 * "Label:  value" lines, nested objects indented under their label, lists
 * of plain values comma-separated, lists of objects one item per block.
 * Used by show, review, doctor, config list, dataset list and audit; their
 * --json prints the JSON itself.  Strings go through cli_put: one line,
 * shown as it is but for markers (doc/protocol.md "Showing submitter text").
 */
#include "cli.h"
#include <jansson.h>

static int scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static int all_scalars(const json_t *a)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
		if (!scalar(v))
			return 0;
	return 1;
}

static void put_scalar(const json_t *v)
{
	if (json_is_string(v))
		cli_put(stdout, json_string_value(v));
	else if (json_is_integer(v))
		printf("%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		printf("%.6g", json_real_value(v));
	else if (json_is_boolean(v))
		printf("%s", json_is_true(v) ? "true" : "false");
	else
		printf("-");
}

static int key_width(const json_t *o)
{
	const char *k;
	json_t *v;
	int w = 0;
	json_object_foreach((json_t *)o, k, v)
		if (!json_is_null(v) && (int)strlen(k) > w)
			w = (int)strlen(k);
	return w;
}

/* One item of a list that holds objects: "- k: v, k: v" when its members
 * are plain values, else "-" and the members below it. */
static void list_item(const json_t *e, int indent)
{
	const char *k;
	json_t *v;
	int first = 1, flat = json_is_object(e);
	json_object_foreach((json_t *)e, k, v)
		flat &= scalar(v);
	printf("%*s-", indent, "");
	if (!json_is_object(e) || !flat) {
		printf(json_is_object(e) ? "\n" : " ");
		if (json_is_object(e))
			cli_print_object(e, indent + 2);
		else if (scalar(e))
			put_scalar(e), printf("\n");
		else
			cli_print_field("list", 4, e, indent + 2);
		return;
	}
	json_object_foreach((json_t *)e, k, v) {
		if (json_is_null(v))
			continue;
		printf("%s", first ? " " : ", ");
		cli_put(stdout, k);
		printf(": ");
		put_scalar(v);
		first = 0;
	}
	printf("\n");
}

void cli_print_object(const struct json_t *o, int indent)
{
	const char *k;
	json_t *v;
	int w = key_width(o);
	json_object_foreach((json_t *)o, k, v)
		if (!json_is_null(v)) {
			size_t n = 0;
			char *e = scq_escape_text(k, strlen(k), 0, &n);
			cli_print_field(e, w, v, indent);
			free(e);
		}
}

void cli_print_field(const char *label, int width, const struct json_t *v, int indent)
{
	size_t i;
	json_t *e;
	int inline_value = scalar(v) || (json_is_array(v) && all_scalars(v));
	printf("%*s%s:%*s", indent, "", label,
	       inline_value ? width - (int)strlen(label) + 2 : 0, "");
	if (scalar(v)) {
		put_scalar(v);
		printf("\n");
	} else if (json_is_array(v) && all_scalars(v)) {
		if (!json_array_size(v))
			printf("(none)");
		json_array_foreach((json_t *)v, i, e) {
			printf("%s", i ? ", " : "");
			put_scalar(e);
		}
		printf("\n");
	} else if (json_is_array(v)) {
		printf("\n");
		json_array_foreach((json_t *)v, i, e)
			list_item(e, indent + 2);
	} else {
		printf("\n");
		cli_print_object(v, indent + 2);
	}
}
