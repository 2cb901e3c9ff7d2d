#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tracker's new files, split by feature for the mailed series.
#
# The repo keeps each new file whole, at its kernel path. The series adds
# them in steps (counting and hooks, then misuse reports, stacks, debugfs,
# migration reports and stale pins, tracepoints): patches/features/*.diff
# are those steps, each a diff between two states of the files with the
# message of its commit in front, applied in the order of FEATURES. The
# first state (counting and hooks) is what remains of the whole files with
# every feature diff reversed.
#
#   split.sh states DIR  - write each state's files to DIR/<feature>/
#                          (DIR/core is the first, the last is the repo's);
#                          fails if a diff does not reverse exactly
#   split.sh diffs DIR   - after editing the files of DIR/<feature>/ (and the
#                          repo's), rewrite patches/features/*.diff from the
#                          states, keeping their messages
#
# To change a file: edit it in the repo; if `make patches` then says a
# feature diff does not reverse, run `split.sh states build/split`, fix the
# states the change belongs to by hand and run `split.sh diffs build/split`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FEATURES_DIR=$TOP/patches/features
# In series order; each is patches/features/<name>.diff.
FEATURES="0006-misuse 0008-stacks 0009-debugfs 0010-migration-stale
	0011-tracepoints"
SPLIT_FILES="include/linux/gup_pin_tracking.h
	include/trace/events/gup_pin_tracking.h
	mm/gup_pin_tracking.c mm/gup_pin_tracking_internal.h
	mm/gup_pin_tracking_report.c mm/gup_pin_tracking_debugfs.c"

# copy_files FROM TO: the split files that exist in FROM.
copy_files() {
	local f
	for f in $SPLIT_FILES; do
		if [ -f "$1/$f" ]; then
			mkdir -p "$2/$(dirname "$f")"
			cp "$1/$f" "$2/$f"
		fi
	done
}

# The feature before NAME in FEATURES ("core" for the first).
prev_of() {
	local prev=core f
	for f in $FEATURES; do
		[ "$f" = "$1" ] && { echo "$prev"; return; }
		prev=$f
	done
	die "unknown feature $1"
}

states() {
	local dir=$1 next f rev=
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in $FEATURES; do rev="$f $rev"; done
	next=
	for f in $rev; do
		if [ -z "$next" ]; then
			copy_files "$TOP" "$dir/$f"
		else
			mkdir -p "$dir/$f"
			cp -a "$dir/$next/." "$dir/$f/"
			patch -R -p1 -F0 -s --no-backup-if-mismatch -d "$dir/$f" \
				< "$FEATURES_DIR/$next.diff" ||
				die "patches/features/$next.diff does not reverse on the files (see split.sh)"
		fi
		next=$f
	done
	mkdir -p "$dir/core"
	cp -a "$dir/$next/." "$dir/core/"
	patch -R -p1 -F0 -s --no-backup-if-mismatch -d "$dir/core" \
		< "$FEATURES_DIR/$next.diff" ||
		die "patches/features/$next.diff does not reverse on the files (see split.sh)"
	find "$dir" -type f -empty -delete
}

diffs() {
	local dir=$1 f prev tmp msg
	tmp=$(mktemp -d)
	for f in $FEATURES; do
		prev=$(prev_of "$f")
		rm -rf "$tmp/a" "$tmp/b"
		mkdir -p "$tmp/a" "$tmp/b"
		cp -a "$dir/$prev/." "$tmp/a/"
		cp -a "$dir/$f/." "$tmp/b/"
		msg=$FEATURES_DIR/$f.diff
		{
			sed -n '1,/^---$/p' "$msg"
			(cd "$tmp" && git diff --no-index --no-color --src-prefix= \
				--dst-prefix= a b || true)
		} > "$tmp/$f.diff"
		mv "$tmp/$f.diff" "$msg"
	done
	rm -rf "$tmp"
}

case ${1:-} in
states) states "${2:?split.sh states DIR}" ;;
diffs) diffs "${2:?split.sh diffs DIR}" ;;
*) die "usage: split.sh states|diffs DIR" ;;
esac
