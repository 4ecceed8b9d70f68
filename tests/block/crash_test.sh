#!/bin/bash
# SIGKILL a qcow2 writer at random points; afterwards neither checker may find corruption
# (leaks are allowed) and every write a completed flush covered must read back.
#   usage: crash_test.sh <crash_writer> <kemu-img> [iterations] [qemu-img]
set -u
WRITER=${1:?usage: crash_test.sh <crash_writer> <kemu-img> [iterations] [qemu-img]}
KEMU_IMG=${2:?}
ITERATIONS=${3:-20}
QEMU_IMG=${4:-qemu-img}
command -v "$QEMU_IMG" >/dev/null || { echo "SKIP: $QEMU_IMG not found"; exit 77; }
WORK=$(mktemp -d /tmp/kemu-crash.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAIL=0
for i in $(seq 1 "$ITERATIONS"); do
    img=$WORK/crash.qcow2
    rm -f "$img"
    # Vary cluster size and refcount handling; every fourth run uses lazy refcounts.
    case $((i % 4)) in
        0) opts="lazy_refcounts=on" ;;
        1) opts="cluster_size=4096" ;;
        2) opts="cluster_size=65536" ;;
        3) opts="cluster_size=512,refcount_bits=8" ;;
    esac
    "$KEMU_IMG" create -q -f qcow2 -o "$opts" "$img" 64M || { echo "FAIL create"; exit 1; }
    # Odd runs write through a BlockBackend (the emulator's asynchronous path), alternating
    # its cache modes; even runs call the driver directly.
    case $((i % 4)) in
        1) how=(write-async "$img" "$WORK/log" "$i" writeback) ;;
        3) how=(write-async "$img" "$WORK/log" "$i" none) ;;
        *) how=(write "$img" "$WORK/log" "$i") ;;
    esac
    "$WRITER" "${how[@]}" &
    pid=$!
    sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.2 + rand() * 1.5 }')"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    if [ "$opts" = "lazy_refcounts=on" ]; then
        # A dirty image's refcounts are rebuilt by the next writable open (here: check -r all).
        "$KEMU_IMG" check -q -r all "$img" >/dev/null 2>&1
    fi
    "$KEMU_IMG" check "$img" >"$WORK/kcheck" 2>&1; krc=$?
    "$QEMU_IMG" check "$img" >"$WORK/qcheck" 2>&1; qrc=$?
    "$WRITER" verify "$img" "$WORK/log" >"$WORK/verify" 2>&1; vrc=$?
    # Exit status 3 means leaked clusters only, which a crash may leave behind.
    if { [ $krc = 0 ] || [ $krc = 3 ]; } && { [ $qrc = 0 ] || [ $qrc = 3 ]; } && [ $vrc = 0 ]; then
        echo "ok   run $i ($opts, ${how[0]} ${how[4]:-}): $(cat "$WORK/verify"), check $krc/$qrc"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL run $i ($opts, ${how[0]} ${how[4]:-}): kemu check $krc, qemu check $qrc, verify $vrc"
        sed 's/^/     /' "$WORK/kcheck" "$WORK/qcheck" "$WORK/verify" | head -20
    fi
done
# Negative control: wiping the image must make the verifier fail, or it proves nothing.
head -c 1M /dev/zero > "$WORK/zero.raw"
"$KEMU_IMG" convert -n -f raw -O qcow2 "$WORK/zero.raw" "$WORK/crash.qcow2"
if "$WRITER" verify "$WORK/crash.qcow2" "$WORK/log" >/dev/null 2>&1; then
    echo "FAIL negative control: verifier accepted a wiped image"
    FAIL=$((FAIL + 1))
else
    echo "ok   negative control: verifier rejects lost writes"
fi
echo "failed $FAIL of $ITERATIONS runs and the control"
[ "$FAIL" = 0 ]
