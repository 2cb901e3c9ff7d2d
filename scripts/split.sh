#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The core's hook lines, by feature, for the mailed series.
#
# The repo keeps each new file whole, at its kernel path, and each feature
# in a file of its own that the series adds whole (scripts/patches.sh).
# The core (mm/gup_pin_tracking.c and its internal header) calls a
# feature through hooks that are inline no-ops until the feature's patch:
# patches/features/*.diff are what each feature's patch changes in those
# two files (stubs become prototypes, a boot value, the trace calls), in
# the order of FEATURES. The first state (counting and hooks, "core") is
# what remains of the files with every feature diff reversed.
#
#   split.sh states DIR [REV] - write each state's files to DIR/<feature>/
#                   (DIR/core first, the last one the files themselves),
#                   from the work tree or, with REV, from that commit; fails
#                   if a diff does not reverse exactly
#   split.sh diffs DIR - rewrite patches/features/*.diff from the states in
#                   DIR (their messages kept); the last state must be the
#                   work tree's files, and the result must reverse again
#   split.sh check - do the work tree's files reverse? (make check runs it)
#
# To change a file so that a feature diff no longer reverses (make patches
# and make check say which): `split.sh states build/split-edit HEAD`, make
# the change in every state it belongs to (and in the repo), then
# `split.sh diffs build/split-edit`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FEATURES_DIR=$TOP/patches/features
# In series order; each is patches/features/<name>.diff.
FEATURES="0004-report 0006-stacks 0008-failures 0009-stale 0010-tracepoints"
SPLIT_FILES="mm/gup_pin_tracking.c
	mm/gup_pin_tracking_internal.h"
# A states directory says so; split.sh empties no other directory.
MARK=.split-states

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The feature before NAME in FEATURES ("core" for the first).
prev_of() {
	local prev=core f
	for f in $FEATURES; do
		[ "$f" = "$1" ] && { echo "$prev"; return; }
		prev=$f
	done
	die "unknown feature $1"
}

# The last feature: its state is the files themselves.
last_feature() {
	local f
	for f in $FEATURES; do :; done
	echo "$f"
}

# files_to DIR [REV]: the split files of the work tree (or of REV) in DIR.
files_to() {
	local f
	mkdir -p "$1"
	for f in $SPLIT_FILES; do
		mkdir -p "$1/$(dirname "$f")"
		if [ -n "${2:-}" ]; then
			git -C "$TOP" show "$2:$f" > "$1/$f"
		else
			cp "$TOP/$f" "$1/$f"
		fi
	done
}

# reverse DIR FEATURE: undo FEATURE's diff on the state in DIR, all or
# nothing (git apply outside any repository, with no fuzz).
reverse() {
	(cd "$1" && GIT_CEILING_DIRECTORIES=$(dirname "$PWD") \
		git apply -R -p1 "$FEATURES_DIR/$2.diff") ||
		die "patches/features/$2.diff does not reverse on the files (see scripts/split.sh)"
}

# states DIR [REV]
states() {
	local dir=$1 rev=${2:-} next='' f order=''
	if [ -e "$dir" ]; then
		[ -e "$dir/$MARK" ] || die "$dir exists and is not a states directory"
		rm -rf "$dir"
	fi
	mkdir -p "$dir"
	touch "$dir/$MARK"
	for f in $FEATURES; do order="$f $order"; done
	for f in $order core; do
		if [ -z "$next" ]; then
			files_to "$dir/$f" "$rev"
		else
			mkdir -p "$dir/$f"
			cp -a "$dir/$next/." "$dir/$f/"
			reverse "$dir/$f" "$next"
		fi
		next=$f
	done
}

# diffs DIR
diffs() {
	local dir=$1 f g prev out rc
	[ -e "$dir/$MARK" ] || die "$dir is not a states directory"
	files_to "$TMP/tree"
	diff -r "$TMP/tree" "$dir/$(last_feature)" > /dev/null ||
		die "$dir/$(last_feature) is not the work tree's files: change those too"
	for f in $FEATURES; do
		prev=$(prev_of "$f")
		rm -rf "$TMP/a" "$TMP/b"
		mkdir -p "$TMP/a" "$TMP/b"
		for g in $SPLIT_FILES; do
			if [ -f "$dir/$prev/$g" ]; then
				install -D -m 644 "$dir/$prev/$g" "$TMP/a/$g"
			fi
			if [ -f "$dir/$f/$g" ]; then
				install -D -m 644 "$dir/$f/$g" "$TMP/b/$g"
			fi
		done
		out=$TMP/$f.diff
		sed -n '1,/^---$/p' "$FEATURES_DIR/$f.diff" > "$out"
		rc=0
		(cd "$TMP" && git diff --no-index --no-color --no-ext-diff \
			--no-renames --src-prefix= --dst-prefix= a b) >> "$out" || rc=$?
		[ "$rc" -le 1 ] || die "git diff failed for $f"
		[ "$rc" -eq 1 ] || die "$f changes nothing"
		cp "$out" "$FEATURES_DIR/$f.diff"
	done
	# The diffs must give the same states back.
	states "$TMP/check"
	for f in core $FEATURES; do
		diff -r -x "$MARK" "$dir/$f" "$TMP/check/$f" > /dev/null ||
			die "the new diffs do not give $dir/$f back"
	done
}

case ${1:-} in
states) states "${2:?split.sh states DIR [REV]}" "${3:-}" ;;
diffs) diffs "${2:?split.sh diffs DIR}" ;;
check) states "$TMP/states" && say "the feature diffs reverse on the files" ;;
*) die "usage: split.sh states DIR [REV] | diffs DIR | check" ;;
esac
