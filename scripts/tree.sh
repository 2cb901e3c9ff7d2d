#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make tree: unpack the pinned base into build/, apply patches/series in
# order, copy the project's new files in at their kernel paths. Idempotent:
# a second run with nothing changed does nothing, and only files whose
# content changed get a new mtime, so builds stay incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2086
apt_install $BUILD_DEPS
if [ "$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)" != "$BASE_VERSION" ]; then
	apt_install dpkg-dev
	say "installing $BASE_PKG=$BASE_VERSION"
	[ -e "$BUILD/.apt-updated" ] || { apt-get update -q >&2; touch "$BUILD/.apt-updated"; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		--allow-downgrades "$BASE_PKG=$BASE_VERSION" >&2 ||
		die "cannot install $BASE_PKG=$BASE_VERSION (see base.conf)"
fi

mkdir -p "$BUILD"
BASE=$BUILD/base
if [ "$(cat "$BASE/.version" 2>/dev/null)" != "$BASE_VERSION" ]; then
	say "unpacking $BASE_TARBALL"
	rm -rf "$BASE" "$BASE.tmp"
	mkdir -p "$BASE.tmp"
	tar -C "$BASE.tmp" -xf "$BASE_TARBALL" --strip-components=1
	echo "$BASE_VERSION" > "$BASE.tmp/.version"
	mv "$BASE.tmp" "$BASE"
fi

# The list of new files: everything the repo carries at kernel paths.
KERNEL_DIRS="arch mm include Documentation tools kernel scripts/gdb"
new_files() {
	# shellcheck disable=SC2086
	(cd "$TOP" && find $KERNEL_DIRS -type f 2>/dev/null | sort)
}

stamp=$( {
	echo "$BASE_VERSION"
	cd "$TOP"
	sha256sum patches/series
	grep -v '^\s*#' patches/series | grep -v '^\s*$' | while read -r p _; do
		sha256sum "patches/$p"
	done
	new_files | sort | xargs -r sha256sum
} | sha256sum | cut -d' ' -f1)

if [ "$(cat "$SRC/.gpt-stamp" 2>/dev/null)" = "$stamp" ]; then
	say "tree up to date: $SRC"
	exit 0
fi

say "assembling the tree"
STAGE=$BUILD/stage
rm -rf "$STAGE"
mkdir -p "$STAGE"
# Hard links keep this fast; patch(1) breaks the link of each file it edits.
cp -al "$BASE/." "$STAGE/"
grep -v '^\s*#' "$TOP/patches/series" | grep -v '^\s*$' | while read -r p _; do
	say "applying $p"
	patch -d "$STAGE" -p1 --quiet --no-backup-if-mismatch --batch \
		< "$TOP/patches/$p" || die "patch $p does not apply"
done
(cd "$TOP" && new_files | while read -r f; do
	rm -f "$STAGE/$f"
	mkdir -p "$STAGE/$(dirname "$f")"
	cp "$f" "$STAGE/$f"
done)

# Sync into the work tree: only changed content is written (new mtime).
mkdir -p "$SRC"
rsync -rl --checksum --delete --exclude=/.gpt-stamp "$STAGE/" "$SRC/"
rm -rf "$STAGE"
echo "$stamp" > "$SRC/.gpt-stamp"
say "tree ready: $SRC"
