// SPDX-License-Identifier: GPL-2.0
/*
 * User-space helper to select, group, sort and sum the text of the GUP pin
 * tracking debugfs files /sys/kernel/debug/gup_pin_tracking/{pinned,
 * pinners,processes,failures}, as page_owner_sort does for page_owner.
 *
 * Example use:
 * ./gup_pin_tracking_sort /sys/kernel/debug/gup_pin_tracking/pinned
 * ./gup_pin_tracking_sort --cull=stack --longterm pinned.txt sorted.txt
 * ./gup_pin_tracking_sort --cull=comm --sort=-age processes.txt
 *
 * See Documentation/mm/gup_pin_tracking.rst
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest input line, longest comm or reason, most lines of one stack. */
#define MAX_LINE	4096
#define MAX_NAME	64
#define MAX_STACK_LINES	256
/* Most entries of a --pid or --name list, most --sort keys. */
#define MAX_LIST	1024
#define MAX_SORT_KEYS	8

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum file_type {
	TYPE_NONE,
	TYPE_PINNED,
	TYPE_PINNERS,
	TYPE_PROCESSES,
	TYPE_FAILURES,
};

static const char * const type_names[] = {
	[TYPE_NONE] = "",
	[TYPE_PINNED] = "pinned",
	[TYPE_PINNERS] = "pinners",
	[TYPE_PROCESSES] = "processes",
	[TYPE_FAILURES] = "failures",
};

enum cull_bit {
	CULL_PID = 1 << 0,
	CULL_COMM = 1 << 1,
	CULL_STACK = 1 << 2,
	CULL_LONGTERM = 1 << 3,
	CULL_REASON = 1 << 4,
	CULL_NONE = 1 << 5,
	CULL_ALL = CULL_PID | CULL_COMM | CULL_STACK | CULL_LONGTERM |
		   CULL_REASON,
};

enum sort_key {
	KEY_PAGES,
	KEY_PINS,
	KEY_LONGTERM,
	KEY_AGE,
	KEY_PID,
	KEY_COMM,
	KEY_RECORDS,
	NR_KEYS,
};

static const char * const key_names[NR_KEYS] = {
	[KEY_PAGES] = "pages",
	[KEY_PINS] = "pins",
	[KEY_LONGTERM] = "longterm",
	[KEY_AGE] = "age",
	[KEY_PID] = "pid",
	[KEY_COMM] = "comm",
	[KEY_RECORDS] = "records",
};

/*
 * One record of the input (a page of pinned or failures, a line of
 * processes, a group of pinners), then one group of the output.
 */
struct record {
	unsigned long long pages;
	unsigned long long pins;
	unsigned long long longterm;	/* pages with a long-term pin */
	unsigned long long age;		/* seconds; the oldest in a group */
	unsigned long long nr;		/* input records in the group */
	unsigned long long unpinned;	/* failures since unpinned */
	long long pid;			/* -1 where the text has none */
	size_t comm, stack, reason;	/* string ids, 0 where none */
	size_t first;			/* index of the first input record */
};

/* ---- Interned strings (comms, reasons, stacks) ---- */

static struct {
	char **str;
	size_t nr, cap;
	size_t *slot;			/* open addressing: id or 0 */
	size_t nr_slots;
} strtab;

static void *xrealloc(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size) {
		fprintf(stderr, "gup_pin_tracking_sort: out of memory\n");
		exit(1);
	}
	p = realloc(p, nmemb * size);
	if (!p && nmemb) {
		fprintf(stderr, "gup_pin_tracking_sort: out of memory\n");
		exit(1);
	}
	return p;
}

static size_t str_hash(const char *s, size_t len)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void strtab_grow(void)
{
	size_t n = strtab.nr_slots ? strtab.nr_slots * 2 : 256, i, id;

	free(strtab.slot);
	strtab.slot = xrealloc(NULL, n, sizeof(*strtab.slot));
	memset(strtab.slot, 0, n * sizeof(*strtab.slot));
	strtab.nr_slots = n;
	for (id = 1; id <= strtab.nr; id++) {
		const char *s = strtab.str[id - 1];

		for (i = str_hash(s, strlen(s)); strtab.slot[i & (n - 1)]; i++)
			;
		strtab.slot[i & (n - 1)] = id;
	}
}

/* The id (from 1) of the string @s of @len bytes, added if new. */
static size_t intern(const char *s, size_t len)
{
	size_t i, id;

	if ((strtab.nr + 1) * 2 > strtab.nr_slots)
		strtab_grow();
	for (i = str_hash(s, len); ; i++) {
		id = strtab.slot[i & (strtab.nr_slots - 1)];
		if (!id)
			break;
		if (!strncmp(strtab.str[id - 1], s, len) &&
		    !strtab.str[id - 1][len])
			return id;
	}
	if (strtab.nr == strtab.cap) {
		strtab.cap = strtab.cap ? strtab.cap * 2 : 256;
		strtab.str = xrealloc(strtab.str, strtab.cap,
				      sizeof(*strtab.str));
	}
	strtab.str[strtab.nr] = xrealloc(NULL, len + 1, 1);
	memcpy(strtab.str[strtab.nr], s, len);
	strtab.str[strtab.nr][len] = '\0';
	strtab.slot[i & (strtab.nr_slots - 1)] = ++strtab.nr;
	return strtab.nr;
}

static const char *str_of(size_t id)
{
	return id ? strtab.str[id - 1] : "";
}

/* ---- Options ---- */

static struct {
	enum file_type type;
	long long *pids;
	size_t nr_pids;
	char **names;
	size_t nr_names;
	bool longterm, short_term;
	unsigned long long min_age, max_age;
	unsigned int cull;
	enum sort_key keys[MAX_SORT_KEYS];
	int order[MAX_SORT_KEYS];	/* 1 ascending, -1 descending */
	size_t nr_keys;
	unsigned long long page_size;
} opt = {
	.max_age = ULLONG_MAX,
	.cull = CULL_ALL,
};

/* ---- Input ---- */

static struct {
	FILE *in;
	const char *name;
	enum file_type type;
	unsigned long lineno;
	char line[MAX_LINE];
	struct record cur;
	bool have_cur;
	bool in_unpin;			/* failures: after "    unpinned by:" */
	char *stack;
	size_t stack_len, stack_cap;
	unsigned int stack_lines, unpin_lines;
} in;

static struct record *recs;
static size_t nr_recs, cap_recs;

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gup_pin_tracking_sort: %s:%lu: ", in.name, in.lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Read one line into in.line without its newline; -1 at the end. */
static int read_line(void)
{
	int c, len = 0;

	for (;;) {
		c = getc(in.in);
		if (c == EOF) {
			if (ferror(in.in)) {
				in.lineno++;
				fail("read error: %s", strerror(errno));
			}
			if (!len)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (!c) {
			in.lineno++;
			fail("NUL byte in the text");
		}
		if (len == MAX_LINE - 1) {
			in.lineno++;
			fail("line longer than %d bytes", MAX_LINE - 1);
		}
		in.line[len++] = c;
	}
	/* A console log's copy of the text ends its lines with CR LF. */
	if (len && in.line[len - 1] == '\r')
		len--;
	in.line[len] = '\0';
	in.lineno++;
	return len;
}

static bool skip(const char **s, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*s, lit, n))
		return false;
	*s += n;
	return true;
}

static void expect(const char **s, const char *lit)
{
	if (!skip(s, lit))
		fail("bad %s line: expected \"%s\" at \"%.40s\"",
		     type_names[in.type], lit, *s);
}

/* A decimal (or, @hex, hexadecimal) number without sign. */
static unsigned long long number(const char **s, bool hex, const char *what)
{
	unsigned long long v = 0;
	unsigned int d, base = hex ? 16 : 10;
	const char *p = *s;

	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (hex && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		if (v > (ULLONG_MAX - d) / base)
			fail("%s out of range", what);
		v = v * base + d;
	}
	if (p == *s)
		fail("bad %s line: no %s at \"%.40s\"", type_names[in.type],
		     what, *s);
	*s = p;
	return v;
}

static size_t intern_name(const char *s, size_t len, const char *what)
{
	if (!len)
		fail("empty %s", what);
	if (len >= MAX_NAME)
		fail("%s longer than %d bytes", what, MAX_NAME - 1);
	return intern(s, len);
}

/* " pid <tgid> comm <comm>" running to the end of @s, or nothing. */
static void parse_who(const char *s, struct record *r)
{
	if (!*s)
		return;
	expect(&s, " pid ");
	r->pid = number(&s, false, "pid");
	if (r->pid > INT_MAX)
		fail("pid out of range");
	expect(&s, " comm ");
	r->comm = intern_name(s, strlen(s), "comm");
}

/* "pfn 0x<hex> pins <n>[ longterm] age <s>s" */
static void parse_page(const char **s, struct record *r)
{
	expect(s, "pfn 0x");
	number(s, true, "pfn");
	expect(s, " pins ");
	r->pins = number(s, false, "pins");
	r->pages = 1;
	r->longterm = skip(s, " longterm");
	expect(s, " age ");
	r->age = number(s, false, "age");
	expect(s, "s");
}

/* "pages <n> pins <m> longterm <k> oldest <s>s" to the end of the line. */
static void parse_group(const char *s, struct record *r)
{
	expect(&s, "pages ");
	r->pages = number(&s, false, "pages");
	expect(&s, " pins ");
	r->pins = number(&s, false, "pins");
	expect(&s, " longterm ");
	r->longterm = number(&s, false, "longterm");
	expect(&s, " oldest ");
	r->age = number(&s, false, "oldest");
	expect(&s, "s");
	if (*s)
		fail("bad %s line: trailing \"%.40s\"", type_names[in.type], s);
	if (r->longterm > r->pages)
		fail("longterm %llu is more than pages %llu", r->longterm,
		     r->pages);
}

/* The last occurrence of @lit in @s, or NULL. */
static char *last_of(char *s, const char *lit)
{
	char *p, *last = NULL;

	for (p = strstr(s, lit); p; p = strstr(p + 1, lit))
		last = p;
	return last;
}

static void parse_processes(char *line, struct record *r)
{
	const char *s = line;
	char *tail;

	expect(&s, "pid ");
	r->pid = number(&s, false, "pid");
	if (r->pid > INT_MAX)
		fail("pid out of range");
	expect(&s, " comm ");
	/* A comm may hold spaces: the numbers follow its last " pages ". */
	tail = last_of((char *)s, " pages ");
	if (!tail)
		fail("bad processes line: no \" pages \"");
	r->comm = intern_name(s, tail - s, "comm");
	parse_group(tail + 1, r);
}

/* " unpinned after <s>s" at the very end of @line: cut it off. */
static bool cut_unpinned(char *line)
{
	char *p = last_of(line, " unpinned after ");
	const char *s;

	if (!p)
		return false;
	s = p + strlen(" unpinned after ");
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (strcmp(s, "s"))
		return false;
	*p = '\0';
	return true;
}

/*
 * "<t>s <why>: pfn 0x<hex> pins <n>[ longterm] age <s>s refs <r>
 *  [ pid <tgid> comm <comm>][ unpinned after <s>s]"
 */
static void parse_failure(char *line, struct record *r)
{
	const char *s = line;
	char *why;

	r->unpinned = cut_unpinned(line);
	number(&s, false, "time");
	expect(&s, "s ");
	why = strstr(s, ": pfn 0x");
	if (!why)
		fail("bad failures line: no \": pfn 0x\"");
	r->reason = intern_name(s, why - s, "reason");
	s = why + 2;
	parse_page(&s, r);
	expect(&s, " refs ");
	skip(&s, "-");
	number(&s, false, "refs");
	parse_who(s, r);
}

static enum file_type detect(const char *line)
{
	if (!strncmp(line, "pfn 0x", 6))
		return TYPE_PINNED;
	if (!strncmp(line, "pages ", 6))
		return TYPE_PINNERS;
	if (!strncmp(line, "pid ", 4))
		return TYPE_PROCESSES;
	if (*line >= '0' && *line <= '9')
		return TYPE_FAILURES;
	return TYPE_NONE;
}

static bool selected(const struct record *r)
{
	size_t i;

	if (opt.nr_pids) {
		for (i = 0; i < opt.nr_pids; i++)
			if (r->pid >= 0 && r->pid == opt.pids[i])
				break;
		if (i == opt.nr_pids)
			return false;
	}
	if (opt.nr_names) {
		for (i = 0; i < opt.nr_names; i++)
			if (r->comm && !strcmp(str_of(r->comm), opt.names[i]))
				break;
		if (i == opt.nr_names)
			return false;
	}
	if (opt.longterm && !r->longterm)
		return false;
	if (opt.short_term && r->longterm)
		return false;
	return r->age >= opt.min_age && r->age <= opt.max_age;
}

/* The record being read is complete: keep it if selected. */
static void end_record(void)
{
	if (!in.have_cur)
		return;
	if (in.stack_len)
		in.cur.stack = intern(in.stack, in.stack_len);
	in.have_cur = false;
	in.in_unpin = false;
	in.stack_len = 0;
	in.stack_lines = 0;
	in.unpin_lines = 0;
	if (!selected(&in.cur))
		return;
	if (nr_recs == cap_recs) {
		cap_recs = cap_recs ? cap_recs * 2 : 1024;
		recs = xrealloc(recs, cap_recs, sizeof(*recs));
	}
	in.cur.first = nr_recs;
	recs[nr_recs++] = in.cur;
}

/* A line of eight spaces and a frame, of the pinner or the unpinner. */
static void stack_line(const char *line, size_t len)
{
	if (!in.have_cur)
		fail("stack line outside a record");
	if (in.type == TYPE_PROCESSES)
		fail("stack line in processes");
	if (len == 8)
		fail("empty stack line");
	if (in.in_unpin) {
		/* Only the pinner's stack is kept: count, don't store. */
		if (++in.unpin_lines > MAX_STACK_LINES)
			fail("stack longer than %d lines", MAX_STACK_LINES);
		return;
	}
	if (++in.stack_lines > MAX_STACK_LINES)
		fail("stack longer than %d lines", MAX_STACK_LINES);
	if (in.stack_len + len + 2 > in.stack_cap) {
		in.stack_cap = (in.stack_len + len + 2) * 2;
		in.stack = xrealloc(in.stack, in.stack_cap, 1);
	}
	memcpy(in.stack + in.stack_len, line, len);
	in.stack_len += len;
	in.stack[in.stack_len++] = '\n';
}

static void read_input(void)
{
	int len;

	while ((len = read_line()) >= 0) {
		char *line = in.line;

		if (!len) {
			end_record();
			continue;
		}
		if (!strncmp(line, "        ", 8)) {
			stack_line(line, len);
			continue;
		}
		if (!strcmp(line, "    unpinned by:")) {
			if (in.type != TYPE_FAILURES || !in.have_cur ||
			    in.in_unpin)
				fail("\"unpinned by:\" out of place");
			in.in_unpin = true;
			continue;
		}
		end_record();
		if (in.type == TYPE_NONE) {
			in.type = detect(line);
			if (in.type == TYPE_NONE)
				fail("not pinned, pinners, processes or failures text: \"%.40s\"",
				     line);
		}
		memset(&in.cur, 0, sizeof(in.cur));
		in.cur.nr = 1;
		in.cur.pid = -1;
		in.have_cur = true;
		switch (in.type) {
		case TYPE_PINNED: {
			const char *s = line;

			parse_page(&s, &in.cur);
			parse_who(s, &in.cur);
			break;
		}
		case TYPE_PINNERS:
			parse_group(line, &in.cur);
			break;
		case TYPE_PROCESSES:
			parse_processes(line, &in.cur);
			break;
		default:
			parse_failure(line, &in.cur);
			break;
		}
	}
	end_record();
}

/* ---- Culling and sorting ---- */

static int cmp_num(unsigned long long a, unsigned long long b)
{
	return a < b ? -1 : a > b;
}

static int cmp_cull(const struct record *a, const struct record *b)
{
	int ret = 0;

	if (opt.cull & CULL_NONE)
		return cmp_num(a->first, b->first);
	if (!ret && opt.cull & CULL_PID)
		ret = cmp_num(a->pid + 1, b->pid + 1);
	if (!ret && opt.cull & CULL_COMM)
		ret = cmp_num(a->comm, b->comm);
	if (!ret && opt.cull & CULL_STACK)
		ret = cmp_num(a->stack, b->stack);
	if (!ret && opt.cull & CULL_LONGTERM)
		ret = cmp_num(!!a->longterm, !!b->longterm);
	if (!ret && opt.cull & CULL_REASON)
		ret = cmp_num(a->reason, b->reason);
	return ret;
}

static int cmp_cull_first(const void *pa, const void *pb)
{
	const struct record *a = pa, *b = pb;

	int ret = cmp_cull(a, b);

	return ret ? ret : cmp_num(a->first, b->first);
}

static int cmp_sort(const void *pa, const void *pb)
{
	const struct record *a = pa, *b = pb;
	size_t i;
	int ret;

	for (i = 0; i < opt.nr_keys; i++) {
		switch (opt.keys[i]) {
		case KEY_PAGES:
			ret = cmp_num(a->pages, b->pages);
			break;
		case KEY_PINS:
			ret = cmp_num(a->pins, b->pins);
			break;
		case KEY_LONGTERM:
			ret = cmp_num(a->longterm, b->longterm);
			break;
		case KEY_AGE:
			ret = cmp_num(a->age, b->age);
			break;
		case KEY_PID:
			ret = cmp_num(a->pid + 1, b->pid + 1);
			break;
		case KEY_COMM:
			ret = strcmp(str_of(a->comm), str_of(b->comm));
			break;
		default:
			ret = cmp_num(a->nr, b->nr);
			break;
		}
		if (ret)
			return ret * opt.order[i];
	}
	return cmp_num(a->first, b->first);
}

static void add(unsigned long long *sum, unsigned long long v)
{
	if (__builtin_add_overflow(*sum, v, sum)) {
		fprintf(stderr, "gup_pin_tracking_sort: %s: a sum overflows\n",
			in.name);
		exit(1);
	}
}

static void merge(struct record *to, const struct record *r)
{
	add(&to->pages, r->pages);
	add(&to->pins, r->pins);
	add(&to->longterm, r->longterm);
	add(&to->nr, r->nr);
	add(&to->unpinned, r->unpinned);
	if (r->age > to->age)
		to->age = r->age;
	if (r->first < to->first)
		to->first = r->first;
}

/* Group the records: the result in recs[0 .. return value). */
static size_t cull(void)
{
	size_t i, nr = 0;

	if (!nr_recs)
		return 0;
	qsort(recs, nr_recs, sizeof(*recs), cmp_cull_first);
	for (i = 0; i < nr_recs; i++) {
		if (nr && !cmp_cull(&recs[nr - 1], &recs[i]))
			merge(&recs[nr - 1], &recs[i]);
		else
			recs[nr++] = recs[i];
	}
	return nr;
}

/* ---- Output ---- */

static unsigned long long to_bytes(unsigned long long pages)
{
	unsigned long long b;

	if (__builtin_mul_overflow(pages, opt.page_size, &b)) {
		fprintf(stderr, "gup_pin_tracking_sort: %s: bytes overflow\n",
			in.name);
		exit(1);
	}
	return b;
}

static void print(FILE *out, size_t nr)
{
	unsigned int show = opt.cull & CULL_NONE ? CULL_ALL : opt.cull;
	struct record total = { .first = SIZE_MAX };
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct record *r = &recs[i];

		if (show & CULL_REASON && r->reason)
			fprintf(out, "%s: ", str_of(r->reason));
		fprintf(out, "pages %llu bytes %llu pins %llu longterm %llu",
			r->pages, to_bytes(r->pages), r->pins, r->longterm);
		fprintf(out, " oldest %llus records %llu", r->age, r->nr);
		if (in.type == TYPE_FAILURES)
			fprintf(out, " unpinned %llu", r->unpinned);
		if (show & CULL_PID && r->pid >= 0)
			fprintf(out, " pid %lld", r->pid);
		if (show & CULL_COMM && r->comm)
			fprintf(out, " comm %s", str_of(r->comm));
		fputc('\n', out);
		if (show & CULL_STACK && r->stack)
			fprintf(out, "%s\n", str_of(r->stack));
		merge(&total, r);
	}
	fprintf(out, "total pages %llu bytes %llu pins %llu longterm %llu",
		total.pages, to_bytes(total.pages), total.pins, total.longterm);
	fprintf(out, " oldest %llus records %llu", total.age, total.nr);
	if (in.type == TYPE_FAILURES)
		fprintf(out, " unpinned %llu", total.unpinned);
	fprintf(out, " groups %zu\n", nr);
}

/* ---- Command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: gup_pin_tracking_sort [OPTIONS] [<input> [<output>]]\n"
		"Select, group, sort and sum the text of the debugfs files pinned,\n"
		"pinners, processes or failures of /sys/kernel/debug/gup_pin_tracking/.\n"
		"<input> and <output> default to (or, as -, are) stdin and stdout.\n\n"
		"--type <type>\t\tpinned, pinners, processes or failures (default:\n"
		"\t\t\tfrom the text).\n"
		"--pid <pidlist>\t\tSelect the records of these thread groups (the\n"
		"\t\t\tpid the files show is the tgid; --tgid is the same).\n"
		"--name <commlist>\tSelect the records of these command names.\n"
		"--longterm\t\tSelect the records with a long-term pin.\n"
		"--short-term\t\tSelect the records without one.\n"
		"--min-age <s>\t\tSelect the records at least <s> seconds old.\n"
		"--max-age <s>\t\tSelect the records at most <s> seconds old.\n"
		"--cull <rules>\t\tGroup by a comma-separated list of pid, comm,\n"
		"\t\t\tstack, longterm, reason (failures), or none\n"
		"\t\t\t(default: all of them).\n"
		"--sort <order>\t\t[+|-]key[,[+|-]key[,...]] with keys pages, pins,\n"
		"\t\t\tlongterm, age, pid, comm, records; + (or none)\n"
		"\t\t\tascending, - descending (default: -pages,-pins).\n"
		"--page-size <bytes>\tPage size for bytes (default: this machine's).\n"
		"-h, --help\t\tThis help.\n\n"
		"A group prints as\n"
		"  [<reason>: ]pages <n> bytes <b> pins <m> longterm <k> oldest <s>s records <r>\n"
		"  [ unpinned <u>][ pid <tgid>][ comm <comm>]\n"
		"then, grouped by stack, the stack and a blank line; a last line\n"
		"  total pages <n> bytes <b> pins <m> longterm <k> oldest <s>s records <r>\n"
		"  [ unpinned <u>] groups <g>\n"
		"sums them. Bad input is an error (exit status 1); bad options exit 2.\n");
}

static void bad_option(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gup_pin_tracking_sort: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gup_pin_tracking_sort --help'.\n");
	exit(2);
}

static unsigned long long option_number(const char *arg, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*arg < '0' || *arg > '9')
		bad_option("wrong %s: '%s'", what, arg);
	v = strtoull(arg, &end, 10);
	if (errno || *end)
		bad_option("wrong %s: '%s'", what, arg);
	return v;
}

/* Split a comma-separated @arg into copies of its non-empty items. */
static char **split(const char *arg, size_t *nr, const char *what)
{
	char **items = NULL;
	const char *p = arg;
	size_t len;

	*nr = 0;
	while (*p) {
		len = strcspn(p, ",");
		if (len) {
			if (*nr == MAX_LIST)
				bad_option("more than %d items in %s",
					   MAX_LIST, what);
			items = xrealloc(items, *nr + 1, sizeof(*items));
			items[*nr] = xrealloc(NULL, len + 1, 1);
			memcpy(items[*nr], p, len);
			items[(*nr)++][len] = '\0';
		}
		p += len;
		if (*p)
			p++;
	}
	if (!*nr)
		bad_option("empty %s", what);
	return items;
}

static void free_items(char **items, size_t nr)
{
	while (nr--)
		free(items[nr]);
	free(items);
}

static void parse_pids(const char *arg)
{
	char **items;
	size_t i, nr;

	items = split(arg, &nr, "--pid");
	opt.pids = xrealloc(opt.pids, opt.nr_pids + nr, sizeof(*opt.pids));
	for (i = 0; i < nr; i++) {
		unsigned long long v = option_number(items[i], "pid");

		if (v > INT_MAX)
			bad_option("wrong pid: '%s'", items[i]);
		opt.pids[opt.nr_pids++] = v;
	}
	free_items(items, nr);
}

static void parse_names(const char *arg)
{
	char **items;
	size_t i, nr;

	items = split(arg, &nr, "--name");
	opt.names = xrealloc(opt.names, opt.nr_names + nr, sizeof(*opt.names));
	for (i = 0; i < nr; i++)
		opt.names[opt.nr_names++] = items[i];
	free(items);
}

static void parse_cull(const char *arg)
{
	static const char * const names[] = {
		"pid", "comm", "stack", "longterm", "reason", "none",
	};
	char **items;
	size_t i, j, nr;

	items = split(arg, &nr, "--cull");
	opt.cull = 0;
	for (i = 0; i < nr; i++) {
		for (j = 0; j < ARRAY_SIZE(names); j++)
			if (!strcmp(items[i], names[j]))
				break;
		if (j == ARRAY_SIZE(names))
			bad_option("wrong --cull rule: '%s'", items[i]);
		opt.cull |= 1U << j;
	}
	free_items(items, nr);
	if (opt.cull & CULL_NONE && opt.cull != CULL_NONE)
		bad_option("--cull none goes alone");
}

static void parse_sort(const char *arg)
{
	char **items;
	size_t i, nr;
	int k;

	items = split(arg, &nr, "--sort");
	if (nr > MAX_SORT_KEYS) {
		free_items(items, nr);
		bad_option("more than %d --sort keys", MAX_SORT_KEYS);
	}
	for (i = 0; i < nr; i++) {
		const char *s = items[i];

		opt.order[i] = 1;
		if (*s == '-')
			opt.order[i] = -1;
		if (*s == '-' || *s == '+')
			s++;
		for (k = 0; k < NR_KEYS; k++)
			if (!strcmp(s, key_names[k]))
				break;
		if (k == NR_KEYS)
			bad_option("wrong --sort key: '%s'", items[i]);
		opt.keys[i] = k;
	}
	opt.nr_keys = nr;
	free_items(items, nr);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "pid", required_argument, NULL, 'p' },
		{ "tgid", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "longterm", no_argument, NULL, 'l' },
		{ "short-term", no_argument, NULL, 'S' },
		{ "min-age", required_argument, NULL, 'a' },
		{ "max-age", required_argument, NULL, 'A' },
		{ "cull", required_argument, NULL, 'c' },
		{ "sort", required_argument, NULL, 's' },
		{ "page-size", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	FILE *out = stdout;
	long sys_page = sysconf(_SC_PAGESIZE);
	int c, t;
	size_t nr;

	opt.page_size = sys_page > 0 ? sys_page : 4096;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			for (t = TYPE_PINNED; t <= TYPE_FAILURES; t++)
				if (!strcmp(optarg, type_names[t]))
					break;
			if (t > TYPE_FAILURES)
				bad_option("wrong --type: '%s'", optarg);
			opt.type = t;
			break;
		case 'p':
			parse_pids(optarg);
			break;
		case 'n':
			parse_names(optarg);
			break;
		case 'l':
			opt.longterm = true;
			break;
		case 'S':
			opt.short_term = true;
			break;
		case 'a':
			opt.min_age = option_number(optarg, "--min-age");
			break;
		case 'A':
			opt.max_age = option_number(optarg, "--max-age");
			break;
		case 'c':
			parse_cull(optarg);
			break;
		case 's':
			parse_sort(optarg);
			break;
		case 'P':
			opt.page_size = option_number(optarg, "--page-size");
			if (!opt.page_size ||
			    opt.page_size & (opt.page_size - 1))
				bad_option("--page-size is not a power of two");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (opt.longterm && opt.short_term)
		bad_option("--longterm and --short-term exclude each other");
	if (argc - optind > 2)
		bad_option("more than an input and an output");
	if (!opt.nr_keys) {
		opt.keys[0] = KEY_PAGES;
		opt.keys[1] = KEY_PINS;
		opt.order[0] = -1;
		opt.order[1] = -1;
		opt.nr_keys = 2;
	}

	in.type = opt.type;
	in.in = stdin;
	in.name = "<stdin>";
	if (optind < argc && strcmp(argv[optind], "-")) {
		in.name = argv[optind];
		in.in = fopen(in.name, "r");
		if (!in.in) {
			fprintf(stderr, "gup_pin_tracking_sort: %s: %s\n",
				in.name, strerror(errno));
			return 1;
		}
	}
	read_input();
	if (in.in != stdin)
		fclose(in.in);
	if (optind + 1 < argc && strcmp(argv[optind + 1], "-")) {
		out = fopen(argv[optind + 1], "w");
		if (!out) {
			fprintf(stderr, "gup_pin_tracking_sort: %s: %s\n",
				argv[optind + 1], strerror(errno));
			return 1;
		}
	}

	nr = cull();
	if (nr)
		qsort(recs, nr, sizeof(*recs), cmp_sort);
	print(out, nr);
	if (fflush(out) || ferror(out) || (out != stdout && fclose(out))) {
		fprintf(stderr, "gup_pin_tracking_sort: write error: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}
