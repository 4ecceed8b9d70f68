#!/bin/bash
# Interoperability of kemu-img and qemu-img, both directions.
#   usage: interop.sh <kemu-img> [qemu-img] [qemu-io]
# Images kemu-img writes must pass `qemu-img check` and read back byte-identical through
# `qemu-img convert -O raw`; images qemu-img and qemu-io write (v2, v3, snapshots, backing
# chains, compressed and zero clusters) must read identically through kemu-img.
set -u
KEMU_IMG=${1:?usage: interop.sh <kemu-img> [qemu-img] [qemu-io]}
QEMU_IMG=${2:-qemu-img}
QEMU_IO=${3:-qemu-io}
# The tests run in a scratch directory, so make a relative tool path absolute.
case $KEMU_IMG in */*) KEMU_IMG=$(realpath "$KEMU_IMG") ;; esac
command -v "$QEMU_IMG" >/dev/null || { echo "SKIP: $QEMU_IMG not found"; exit 77; }

WORK=$(mktemp -d /tmp/kemu-interop.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; }
# expect <name> <command...>: the command must succeed.
expect() {
    local name=$1; shift
    if "$@" >"$WORK/out.log" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/     /' "$WORK/out.log"; fi
}
# same_raw <name> <image> <reference raw>: both tools read the image as the reference.
same_raw() {
    local name=$1 img=$2 ref=$3
    rm -f q.raw k.raw
    if "$QEMU_IMG" convert -O raw "$img" q.raw && cmp -s q.raw "$ref"; then ok "$name: qemu reads"; else bad "$name: qemu reads"; fi
    if "$KEMU_IMG" convert -O raw "$img" k.raw && cmp -s k.raw "$ref"; then ok "$name: kemu reads"; else bad "$name: kemu reads"; fi
}
qemu_clean() { expect "$1: qemu-img check" "$QEMU_IMG" check "$2"; }
kemu_clean() { expect "$1: kemu-img check" "$KEMU_IMG" check "$2"; }
# layout <image>: what `qemu-img map` says is allocated where, without host offsets (adjacent
# runs with the same flags merged, so only the allocation counts, not the file layout).
layout() {
    "$QEMU_IMG" map --output=json "$1" | python3 -c '
import json, sys
runs = []
for e in json.load(sys.stdin):
    flags = sorted((k, v) for k, v in e.items() if k not in ("start", "length", "offset"))
    if runs and runs[-1][1] == flags:
        runs[-1][0] += e["length"]
    else:
        runs.append([e["length"], flags])
for length, flags in runs:
    print(length, flags)'
}
# same_layout <name> <kemu image> <qemu image>: both tools left the same ranges allocated.
same_layout() {
    if diff <(layout "$2") <(layout "$3") >"$WORK/out.log"; then ok "$1: allocation as qemu-img's"
    else bad "$1: allocation as qemu-img's"; sed 's/^/     /' "$WORK/out.log" | head -10; fi
}
# same_error <name> <convert arguments...>: both tools refuse, with the same message.
same_error() {
    local name=$1; shift
    local k q
    rm -f err.img; k=$("$KEMU_IMG" convert "$@" err.img 2>&1; echo "rc=$?")
    rm -f err.img; q=$("$QEMU_IMG" convert "$@" err.img 2>&1; echo "rc=$?")
    rm -f err.img
    if [ "${k/kemu-img:/}" = "${q/qemu-img:/}" ] && [ "${k##*rc=}" != 0 ]; then ok "$name"
    else bad "$name"; echo "     kemu: $k"; echo "     qemu: $q"; fi
}

# Reference data: a 64 MiB sparse raw image with random, text and zero regions.
python3 - <<'PY'
import os, random
random.seed(42)
for name, seed in (("ref1.raw", 1), ("ref2.raw", 2)):
    random.seed(seed)
    with open(name, "wb") as f:
        f.truncate(64 << 20)
        for i in range(150):
            f.seek(random.randrange(0, (64 << 20) - 300000))
            n = random.randrange(1, 300000)
            f.write(os.urandom(n) if i % 3 else (b"kemu interop " * (n // 13 + 1))[:n])
PY

echo "== kemu-img writes, qemu-img reads"
for opts in "" "compat=0.10" "cluster_size=512" "cluster_size=4096" "cluster_size=2M" \
            "refcount_bits=1" "refcount_bits=8" "refcount_bits=64" "lazy_refcounts=on"; do
    name="convert ${opts:-default}"
    rm -f k.qcow2
    expect "$name" "$KEMU_IMG" convert -O qcow2 ${opts:+-o $opts} ref1.raw k.qcow2
    qemu_clean "$name" k.qcow2
    same_raw "$name" k.qcow2 ref1.raw
done
for ct in zlib zstd; do
    rm -f k.qcow2
    expect "convert -c $ct" "$KEMU_IMG" convert -c -O qcow2 -o compression_type=$ct ref1.raw k.qcow2
    qemu_clean "convert -c $ct" k.qcow2
    same_raw "convert -c $ct" k.qcow2 ref1.raw
done

# Overwrite in place (convert -n) so COW, refcounts and freed clusters are exercised.
rm -f k.qcow2
"$KEMU_IMG" convert -O qcow2 ref1.raw k.qcow2
expect "snapshot -c" "$KEMU_IMG" snapshot -c first k.qcow2
expect "convert -n over snapshot" "$KEMU_IMG" convert -n -O qcow2 ref2.raw k.qcow2
qemu_clean "snapshot + overwrite" k.qcow2
same_raw "active layer after overwrite" k.qcow2 ref2.raw
if "$QEMU_IMG" snapshot -l k.qcow2 | grep -q first; then ok "qemu lists kemu snapshot"; else bad "qemu lists kemu snapshot"; fi
cp k.qcow2 q-apply.qcow2
expect "qemu applies kemu snapshot" "$QEMU_IMG" snapshot -a first q-apply.qcow2
same_raw "qemu-applied snapshot" q-apply.qcow2 ref1.raw
expect "kemu applies snapshot" "$KEMU_IMG" snapshot -a first k.qcow2
qemu_clean "after kemu apply" k.qcow2
same_raw "kemu-applied snapshot" k.qcow2 ref1.raw
expect "kemu deletes snapshot" "$KEMU_IMG" snapshot -d first k.qcow2
qemu_clean "after snapshot delete" k.qcow2

# Resize.
expect "resize +1G" "$KEMU_IMG" resize k.qcow2 +1G
qemu_clean "after grow" k.qcow2
if "$QEMU_IMG" info --output=json k.qcow2 | grep -q '"virtual-size": 1140850688'; then ok "qemu sees grown size"; else bad "qemu sees grown size"; fi
expect "resize --shrink" "$KEMU_IMG" resize --shrink k.qcow2 64M
qemu_clean "after shrink" k.qcow2
same_raw "after grow and shrink" k.qcow2 ref1.raw

# Backing chains: create, write through an overlay, commit, rebase.
rm -f base.qcow2 top.qcow2
"$KEMU_IMG" convert -O qcow2 ref1.raw base.qcow2
expect "create overlay" "$KEMU_IMG" create -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
qemu_clean "overlay" top.qcow2
same_raw "overlay reads base" top.qcow2 ref1.raw
expect "write into overlay" "$KEMU_IMG" convert -n -O qcow2 ref2.raw top.qcow2
qemu_clean "written overlay" top.qcow2
same_raw "overlay after write" top.qcow2 ref2.raw
same_raw "base untouched" base.qcow2 ref1.raw
expect "commit" "$KEMU_IMG" commit top.qcow2
qemu_clean "committed base" base.qcow2
same_raw "base after commit" base.qcow2 ref2.raw
qemu_clean "emptied overlay" top.qcow2
same_raw "emptied overlay" top.qcow2 ref2.raw
"$KEMU_IMG" convert -O qcow2 ref1.raw other.qcow2
expect "rebase (safe)" "$KEMU_IMG" rebase -b other.qcow2 -F qcow2 top.qcow2
qemu_clean "rebased overlay" top.qcow2
same_raw "rebase keeps contents" top.qcow2 ref2.raw
expect "rebase -u" "$KEMU_IMG" rebase -u -b base.qcow2 -F qcow2 top.qcow2
if "$QEMU_IMG" info top.qcow2 | grep -q "backing file: base.qcow2"; then ok "qemu sees rebase -u"; else bad "qemu sees rebase -u"; fi
expect "amend lazy_refcounts=on" "$KEMU_IMG" amend -o lazy_refcounts=on top.qcow2
if "$QEMU_IMG" info top.qcow2 | grep -q "lazy refcounts: true"; then ok "qemu sees amend"; else bad "qemu sees amend"; fi

echo "== convert -B: a target on top of a backing file"
# The source is an overlay that changes, zeroes and extends what its base holds; the
# target gets the same base. A raw source and a base shorter than it cover zeroes (zero
# clusters inside the base, nothing past its end).
rm -f cb-base.qcow2 cb-top.qcow2 cb-short.qcow2
"$QEMU_IMG" convert -O qcow2 ref1.raw cb-base.qcow2
"$QEMU_IMG" create -q -f qcow2 -b cb-base.qcow2 -F qcow2 cb-top.qcow2
"$QEMU_IO" -c "write -P 0x5a 1M 3M" -c "write -z 8M 2M" -c "write -P 0x7e 60M 100k" \
    cb-top.qcow2 >/dev/null
"$QEMU_IMG" convert -O raw cb-top.qcow2 cb-top.raw
"$QEMU_IMG" create -q -f qcow2 cb-short.qcow2 32M
"$QEMU_IO" -c "write -P 0x33 0 16M" cb-short.qcow2 >/dev/null
for case in "cb-top.qcow2 cb-base.qcow2" "ref2.raw cb-base.qcow2" "ref2.raw cb-short.qcow2"; do
    set -- $case
    src=$1 base=$2
    for opts in "" "-c" "-S 0"; do
        name="convert ${opts:+$opts }-B $base $src"
        rm -f k.qcow2 q.qcow2
        expect "$name" "$KEMU_IMG" convert $opts -O qcow2 -B "$base" -F qcow2 "$src" k.qcow2
        "$QEMU_IMG" convert $opts -O qcow2 -B "$base" -F qcow2 "$src" q.qcow2
        qemu_clean "$name" k.qcow2
        expect "$name: qemu-img compare" "$QEMU_IMG" compare "$src" k.qcow2
        same_layout "$name" k.qcow2 q.qcow2
        if "$QEMU_IMG" info k.qcow2 | grep -q "backing file: $base"; then ok "$name: backing link"
        else bad "$name: backing link"; fi
    done
done
mkdir -p sub
rm -f sub/k.qcow2 sub/q.qcow2
expect "convert -B relative to the target" "$KEMU_IMG" convert -O qcow2 -B ../cb-base.qcow2 \
    -F qcow2 cb-top.qcow2 sub/k.qcow2
"$QEMU_IMG" convert -O qcow2 -B ../cb-base.qcow2 -F qcow2 cb-top.qcow2 sub/q.qcow2
same_layout "convert -B relative to the target" sub/k.qcow2 sub/q.qcow2
same_raw "convert -B relative to the target" sub/k.qcow2 cb-top.raw
same_error "convert -B without -F" -O qcow2 -B cb-base.qcow2 cb-top.qcow2
same_error "convert -F without -B" -O qcow2 -F qcow2 cb-top.qcow2
same_error "convert -B to raw" -O raw -B cb-base.qcow2 -F qcow2 cb-top.qcow2
same_error "convert -B with two sources" -O qcow2 -B cb-base.qcow2 -F qcow2 ref1.raw ref2.raw
same_error "convert -B missing file" -O qcow2 -B gone.qcow2 -F qcow2 cb-top.qcow2
same_error "convert -t bogus" -O qcow2 -t bogus cb-top.qcow2

echo "== qemu-img writes, kemu-img reads"
make_qemu_image() {  # <file> <create options>
    rm -f "$1"
    "$QEMU_IMG" create -q -f qcow2 ${2:+-o $2} "$1" 64M
    "$QEMU_IO" -f qcow2 -c "write -P 0x11 0 3M" -c "write -z 4M 1M" -c "write -c -P 0x22 8M 64k" \
        -c "write -P 0x33 10M 100k" -c "discard 10M 64k" -c "write -P 0x44 63M 1M" "$1" >/dev/null
}
for opts in "" "compat=0.10" "cluster_size=4096" "compression_type=zstd" "refcount_bits=1"; do
    name="qemu ${opts:-default}"
    make_qemu_image q.qcow2 "$opts"
    "$QEMU_IMG" convert -O raw q.qcow2 ref.raw
    same_raw "$name" q.qcow2 ref.raw
    kemu_clean "$name" q.qcow2
    "$QEMU_IMG" map --output=json q.qcow2 > qmap.json
    "$KEMU_IMG" map --output=json q.qcow2 > kmap.json
    if cmp -s qmap.json kmap.json; then ok "$name: map matches"; else bad "$name: map matches"; diff qmap.json kmap.json | head -5; fi
    # kemu writes into the qemu image; qemu must still find it clean.
    "$KEMU_IMG" convert -n -O qcow2 ref2.raw q.qcow2
    qemu_clean "$name: after kemu write" q.qcow2
    same_raw "$name: after kemu write" q.qcow2 ref2.raw
done

make_qemu_image q.qcow2 ""
"$QEMU_IMG" snapshot -c s1 q.qcow2
"$QEMU_IO" -c "write -P 0x55 0 2M" q.qcow2 >/dev/null
"$QEMU_IMG" snapshot -c s2 q.qcow2
"$QEMU_IO" -c "write -P 0x66 1M 2M" q.qcow2 >/dev/null
"$QEMU_IMG" convert -O raw q.qcow2 ref.raw
same_raw "qemu snapshots: active" q.qcow2 ref.raw
kemu_clean "qemu snapshots" q.qcow2
if [ "$("$KEMU_IMG" snapshot -l q.qcow2 | grep -c '^[12] ')" = 2 ]; then ok "kemu lists qemu snapshots"; else bad "kemu lists qemu snapshots"; fi
"$QEMU_IMG" convert -O raw -l snapshot.name=s1 q.qcow2 s1.raw
expect "kemu applies qemu snapshot" "$KEMU_IMG" snapshot -a s1 q.qcow2
same_raw "qemu snapshot s1 via kemu" q.qcow2 s1.raw
qemu_clean "after kemu applies qemu snapshot" q.qcow2

rm -f b1.qcow2 b2.qcow2 b3.qcow2
"$QEMU_IMG" create -q -f qcow2 b1.qcow2 64M
"$QEMU_IO" -c "write -P 1 0 8M" b1.qcow2 >/dev/null
"$QEMU_IMG" create -q -f qcow2 -o compat=0.10 -b b1.qcow2 -F qcow2 b2.qcow2
"$QEMU_IO" -c "write -P 2 4M 1M" -c "write -P 3 6100k 3k" b2.qcow2 >/dev/null
"$QEMU_IMG" create -q -f qcow2 -b b2.qcow2 -F qcow2 b3.qcow2
"$QEMU_IO" -c "write -z 0 64k" -c "write -P 4 7M 64k" b3.qcow2 >/dev/null
"$QEMU_IMG" convert -O raw b3.qcow2 ref.raw
same_raw "qemu backing chain" b3.qcow2 ref.raw
"$QEMU_IMG" map --output=json b3.qcow2 > qmap.json
"$KEMU_IMG" map --output=json b3.qcow2 > kmap.json
if cmp -s qmap.json kmap.json; then ok "backing chain map matches"; else bad "backing chain map matches"; diff qmap.json kmap.json | head -5; fi
if "$KEMU_IMG" info --backing-chain b3.qcow2 | grep -c "^image:" | grep -q 3; then ok "info --backing-chain"; else bad "info --backing-chain"; fi
expect "compare chain with raw" "$KEMU_IMG" compare b3.qcow2 ref.raw

rm -f ext.qcow2
"$QEMU_IMG" create -q -f qcow2 -o extended_l2=on ext.qcow2 64M
if "$KEMU_IMG" info ext.qcow2 2>&1 | grep -q "Unsupported qcow2 feature(s): extended L2 entries"; then
    ok "extended L2 refused clearly"
else
    bad "extended L2 refused clearly"
fi

echo "== repairs qemu-img accepts"
# A destroyed refcount table entry: kemu-img check -r all rebuilds the refcount structure.
"$QEMU_IMG" convert -q -O qcow2 ref1.raw rc.qcow2
rt=$(python3 -c 'import struct,sys; print(struct.unpack(">Q", open(sys.argv[1], "rb").read(56)[48:56])[0])' rc.qcow2)
printf '\x00\x00\x00\x00\x00\x00\x12\x34' | dd of=rc.qcow2 bs=1 seek="$rt" conv=notrunc status=none
if "$KEMU_IMG" check rc.qcow2 >/dev/null 2>&1; then bad "destroyed refcount table reported"; else ok "destroyed refcount table reported"; fi
expect "check -r all rebuilds refcounts" "$KEMU_IMG" check -r all rc.qcow2
qemu_clean "rebuilt refcounts" rc.qcow2
same_raw "rebuilt refcounts" rc.qcow2 ref1.raw
# The corrupt mark: check -r all may open the image and clears the mark.
"$QEMU_IMG" create -q -f qcow2 cm.qcow2 64M
printf '\x00\x00\x00\x00\x00\x00\x00\x02' | dd of=cm.qcow2 bs=1 seek=72 conv=notrunc status=none
expect "check -r all on a corrupt-marked image" "$KEMU_IMG" check -r all cm.qcow2
if "$QEMU_IMG" info cm.qcow2 | grep -q "corrupt: false"; then ok "corrupt mark cleared"; else bad "corrupt mark cleared"; fi

echo "== resize --preallocation"
for mode in metadata falloc full; do
    "$KEMU_IMG" create -q -f qcow2 pre-$mode.qcow2 1M
    expect "resize --preallocation=$mode" "$KEMU_IMG" resize --preallocation=$mode pre-$mode.qcow2 32M
    qemu_clean "resize --preallocation=$mode" pre-$mode.qcow2
    truncate -s 32M zero32.raw
    same_raw "resize --preallocation=$mode" pre-$mode.qcow2 zero32.raw
done

echo "== measure agrees with qemu-img"
for args in "--size 1G -O qcow2" "--size 100G -O qcow2" "--output=json -O qcow2 -o cluster_size=4k --size 10G" \
            "-O qcow2 q.qcow2" "-O raw q.qcow2" "-O qcow2 ref1.raw" "-O qcow2 -o refcount_bits=1 b3.qcow2"; do
    if diff <("$KEMU_IMG" measure $args 2>&1) <("$QEMU_IMG" measure $args 2>&1) >/dev/null; then
        ok "measure $args"
    else
        bad "measure $args"
    fi
done

echo "== bench -w writes what qemu-img bench writes"
# Several requests in flight share one buffer in both tools; the step wraps past the end.
rm -f kb.qcow2 qb.qcow2
"$QEMU_IMG" create -q -f qcow2 kb.qcow2 16M
"$QEMU_IMG" create -q -f qcow2 qb.qcow2 16M
bench_args=(bench -q -w -f qcow2 -d 8 -s 64k -S 192k -c 100 --pattern 165)
expect "kemu-img bench -w" "$KEMU_IMG" "${bench_args[@]}" kb.qcow2
expect "qemu-img bench -w" "$QEMU_IMG" "${bench_args[@]}" qb.qcow2
qemu_clean "bench -w image" kb.qcow2
expect "bench -w: same contents as qemu-img's" "$QEMU_IMG" compare -q kb.qcow2 qb.qcow2

echo "== locking between kemu-img and a running qemu-io"
rm -f lock.qcow2
"$QEMU_IMG" create -q -f qcow2 lock.qcow2 16M
"$QEMU_IO" -c "sleep 4000" lock.qcow2 >/dev/null 2>&1 &
holder=$!
sleep 1
if "$KEMU_IMG" info lock.qcow2 2>&1 | grep -q 'Failed to get shared "write" lock'; then ok "kemu-img info refused while qemu writes"; else bad "kemu-img info refused while qemu writes"; fi
expect "kemu-img info -U while qemu writes" "$KEMU_IMG" info -U lock.qcow2
if "$KEMU_IMG" bench -w -c 10 lock.qcow2 2>&1 | grep -q 'Failed to get "write" lock'; then ok "kemu-img bench -w refused"; else bad "kemu-img bench -w refused"; fi
wait "$holder"
expect "kemu-img info after qemu exits" "$KEMU_IMG" info lock.qcow2

echo "passed $PASS, failed $FAIL"
[ "$FAIL" = 0 ]
