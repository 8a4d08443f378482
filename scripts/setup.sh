#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh - make this machine ready: packages, the verified base, and a kernel
# working tree with patches/ applied by git am.  Idempotent; cheap when done.
#
#   scripts/setup.sh            set up (or check) the working tree
#   scripts/setup.sh --reapply  reset the working tree branch to base + patches/
#   scripts/setup.sh --full     also the packages of make test-full (clang-19)
#
# Environment:
#   KERNEL_SRC=<git checkout of Linux 7.3>  apply on branch "pwlocks" there
#   BASE_DEB=<linux-source-7.3 .deb>        use this .deb instead of downloading
#   BASE_TARBALL=<linux-source-7.3.tar.xz>  use this tarball (not sha-verifiable)
. "$(dirname "$0")/lib.sh"

BASE_PKG=linux-source-7.3
BASE_VERSION=7.3.4-1~bpo13+1
BASE_SUITE=trixie-backports
BASE_SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
BASE_GIT=$PW_CACHE/base.git

PACKAGES="build-essential bc bison flex cpio kmod rsync libelf-dev libssl-dev
	  python3 python3-ply python3-git xz-utils ccache qemu-system-x86
	  busybox-static git-email libmailtools-perl python3-sphinx python3-yaml
	  rt-tests stress-ng gnuplot-nox"
# make test-full: Clang (LLVM=-19) builds
FULL_PACKAGES="clang-19 lld-19 llvm-19"

install_packages() {
	local p missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return
	log "installing Debian packages:$missing"
	local sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
}

# Download the pinned .deb through a private sources list and state dir.
fetch_deb() {
	local deb=$PW_CACHE/deb/${BASE_PKG}_${BASE_VERSION/:/%3a}_all.deb
	local apt=$PW_CACHE/apt
	if [ ! -f "$deb" ]; then
		log "fetching $BASE_PKG $BASE_VERSION from Debian $BASE_SUITE"
		mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$PW_CACHE/deb"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		     "http://deb.debian.org/debian $BASE_SUITE main" > "$apt/sources.list"
		local opts=(-o Dir::Etc::sourcelist="$apt/sources.list"
			    -o Dir::Etc::sourceparts=/dev/null
			    -o Dir::State::Lists="$apt/lists"
			    -o Dir::State::status=/dev/null
			    -o Dir::Cache="$apt" -o APT::Sandbox::User=root)
		if ! apt-get "${opts[@]}" -qq update ||
		   ! (cd "$PW_CACHE/deb" &&
		      apt-get "${opts[@]}" -qq download "$BASE_PKG=$BASE_VERSION"); then
			die "cannot download $BASE_PKG=$BASE_VERSION from $BASE_SUITE (gone from" \
			    "the archive or no network). Point the harness at a copy:" \
			    "BASE_DEB=/path/${BASE_PKG}_${BASE_VERSION}_all.deb," \
			    "BASE_TARBALL=/path/linux-source-7.3.tar.xz, or" \
			    "KERNEL_SRC=/path/to/linux-7.3-git-checkout"
		fi
	fi
	echo "$deb"
}

# sparse: 7.3's C=2 needs one that knows __typeof_unqual__, which Debian 12's
# 0.6.4 does not.  Build Debian sid's source (pinned, verified) into the
# cache, unless the sparse on PATH passes the kernel's own check.
SPARSE_VERSION=0.6.5~rc1-2
SPARSE_SHA256=3ac8855ec7f3ab92f325be0f64347ccc2b10f8b4d7c2906783ee8e2bdab3f0de
build_sparse() {
	local bin=$PW_CACHE/sparse/sparse apt=$PW_CACHE/apt-sid src=$PW_CACHE/sparse/src
	[ "$(sh "$TREE/scripts/checker-valid.sh" sparse -m64 2>/dev/null)" = 1 ] && return
	[ -x "$bin" ] && return
	log "building sparse $SPARSE_VERSION from Debian sid's source"
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$src"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
	     "http://deb.debian.org/debian sid main" > "$apt/sources.list"
	local opts=(-o Dir::Etc::sourcelist="$apt/sources.list"
		    -o Dir::Etc::sourceparts=/dev/null -o Dir::State::Lists="$apt/lists"
		    -o Dir::State::status=/dev/null -o Dir::Cache="$apt"
		    -o APT::Sandbox::User=root)
	apt-get "${opts[@]}" -qq update &&
		(cd "$src" && apt-get "${opts[@]}" -qq --download-only source "sparse=$SPARSE_VERSION") ||
		die "cannot download sparse $SPARSE_VERSION's source from Debian sid"
	echo "$SPARSE_SHA256  $src/sparse_${SPARSE_VERSION%-*}.orig.tar.gz" | sha256sum -c --quiet - ||
		die "sparse source: sha256 mismatch"
	tar -xzf "$src/sparse_${SPARSE_VERSION%-*}.orig.tar.gz" -C "$src"
	make -C "$src"/sparse-*/ -s -j"$JOBS" sparse HAVE_LLVM=no HAVE_SQLITE=no \
		HAVE_GTK=no HAVE_LIBXML=no >/dev/null 2>&1 || die "sparse does not build"
	cp "$src"/sparse-*/sparse "$bin"
}

verify_deb() {
	echo "$BASE_SHA256  $1" | sha256sum -c --quiet - ||
		die "$1: sha256 mismatch, expected $BASE_SHA256"
}

# The pristine base as a single deterministic root commit, so every machine
# gets the same base-commit id in patches/.
make_base_git() {
	git --git-dir="$BASE_GIT" rev-parse -q --verify refs/heads/base &>/dev/null && return
	local tarball=${BASE_TARBALL:-} tmp
	mkdir -p "$PW_CACHE"
	tmp=$(mktemp -d "$PW_CACHE/extract.XXXXXX")
	if [ -z "$tarball" ]; then
		local deb=${BASE_DEB:-$(fetch_deb)}
		verify_deb "$deb"
		dpkg-deb -x "$deb" "$tmp/deb"
		tarball=$tmp/deb/usr/src/$BASE_PKG.tar.xz
	else
		log "using $tarball (sha256 $(sha256sum < "$tarball" | cut -d' ' -f1)), not verified"
	fi
	log "extracting and committing the base (once per machine)"
	mkdir "$tmp/src"
	tar -xJf "$tarball" -C "$tmp/src" --strip-components=1
	[ -f "$tmp/src/MAINTAINERS" ] || die "$tarball is not a kernel source tarball"
	# Debian's packaging block ("/*") would ignore the whole tree.
	sed -i '/^# Debian packaging/,$d' "$tmp/src/.gitignore"
	sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp/src/.gitignore"
	sed -i '${/^#$/d}' "$tmp/src/.gitignore"
	rm -rf "$BASE_GIT.new"
	git init -q --bare "$BASE_GIT.new"
	(
		export GIT_DIR=$BASE_GIT.new GIT_WORK_TREE=$tmp/src
		export GIT_AUTHOR_NAME="Debian Kernel Team" GIT_COMMITTER_NAME="Debian Kernel Team"
		export GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org
		export GIT_COMMITTER_EMAIL=debian-kernel@lists.debian.org
		export GIT_AUTHOR_DATE="2026-11-01T00:00:00Z" GIT_COMMITTER_DATE="2026-11-01T00:00:00Z"
		git add -A -f .
		git commit -q -m "Linux 7.3.4 ($BASE_PKG $BASE_VERSION)"
		git branch -m base
	)
	rm -rf "$tmp"
	mv "$BASE_GIT.new" "$BASE_GIT"
}

series() { ls "$REPO"/patches/0*.patch 2>/dev/null | grep -v '/0000-cover-letter.patch$' || true; }

patch_ids_of_series() {
	local p
	for p in $(series); do git patch-id --stable < "$p" | cut -d' ' -f1; done
}

patch_ids_of_tree() {
	local c
	for c in $(git -C "$TREE" rev-list --reverse "$BASE_TAG..HEAD"); do
		git -C "$TREE" show "$c" | git patch-id --stable | cut -d' ' -f1
	done
}

apply_series() {
	local p err
	git -C "$TREE" checkout -q -B "$BRANCH" "$BASE_TAG"
	for p in $(series); do
		if ! err=$(git -C "$TREE" am -q --keep-cr "$p" 2>&1); then
			# Leave no half-applied branch: the next run tries afresh.
			git -C "$TREE" am --abort
			git -C "$TREE" checkout -q --detach "$BASE_TAG"
			git -C "$TREE" branch -q -D "$BRANCH"
			echo "$err" | head -5 >&2
			die "patches/$(basename "$p") does not apply to the pristine base" \
			    "with git am (to work on it: git -C $TREE am -3 patches/...)"
		fi
	done
	log "applied $(series | wc -l) patch(es) on $BASE_TAG in $TREE"
}

make_tree() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		git -C "$TREE" rev-parse -q --verify HEAD >/dev/null ||
			die "KERNEL_SRC=$TREE is not a git checkout"
		grep -q '^PATCHLEVEL = 3$' "$TREE/Makefile" ||
			die "KERNEL_SRC=$TREE is not Linux 7.3"
		git -C "$TREE" rev-parse -q --verify "$BASE_TAG" >/dev/null ||
			git -C "$TREE" tag "$BASE_TAG" "${KERNEL_BASE:-HEAD}"
	elif [ ! -d "$TREE/.git" ]; then
		log "creating working tree $TREE"
		git clone -q -b base "$BASE_GIT" "$TREE"
		git -C "$TREE" tag "$BASE_TAG"
		git -C "$TREE" remote remove origin
	fi
}

reapply=0
case ${1:-} in
--reapply)	reapply=1 ;;
--full)		PACKAGES="$PACKAGES $FULL_PACKAGES" ;;
esac

install_packages
[ -n "${KERNEL_SRC:-}" ] || make_base_git
make_tree
build_sparse

if ! git -C "$TREE" rev-parse -q --verify "refs/heads/$BRANCH" >/dev/null; then
	apply_series
elif [ "$(patch_ids_of_tree)" != "$(patch_ids_of_series)" ]; then
	[ -z "$(git -C "$TREE" status --porcelain -uno)" ] ||
		die "$TREE has uncommitted changes; commit and 'make export', or discard them"
	[ $reapply = 1 ] ||
		die "$TREE ($BRANCH) differs from patches/: 'make export' saves the tree's" \
		    "commits to patches/, 'make reapply' resets the tree to patches/"
	apply_series
fi
