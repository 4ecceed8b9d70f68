#!/bin/bash
# A short coverage-guided run of the qcow2 fuzz target under libFuzzer with ASan and
# UBSan, from a corpus of qemu-img-made images. Any crash, leak or sanitizer report fails.
#   usage: fuzz_smoke.sh <source root> [seconds]
set -u
SRC=${1:?usage: fuzz_smoke.sh <source root> [seconds]}
SECONDS_TO_RUN=${2:-30}
command -v clang++ >/dev/null || { echo "SKIP: clang++ not found (libFuzzer needs clang)"; exit 77; }
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img not found (it makes the seed corpus)"; exit 77; }
WORK=$(mktemp -d /tmp/kemu-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cd "$SRC" || exit 1
# shellcheck disable=SC2046 # the block layer's sources, as the fuzz target links them
if ! clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -DKEMU_LIBFUZZER -I. tests/block/fuzz_qcow2.cpp $(ls block/*.cpp block/io/*.cpp block/qcow2/*.cpp) \
        system/log.cpp system/keyval.cpp system/event_loop.cpp system/clock.cpp -luring -lz -lzstd -pthread \
        -o "$WORK/fuzz_qcow2" 2>"$WORK/build.log"; then
    if grep -q "fuzzer" "$WORK/build.log" && grep -qi "cannot find\|no such file" "$WORK/build.log"; then
        echo "SKIP: clang has no libFuzzer runtime (libclang-rt-14-dev)"
        exit 77
    fi
    cat "$WORK/build.log"
    echo "FAIL: building the fuzz target"
    exit 1
fi

mkdir -p "$WORK/corpus" "$WORK/artifacts"
qemu-img create -q -f qcow2 -o compat=0.10 "$WORK/corpus/v2.qcow2" 1M
qemu-img create -q -f qcow2 -o cluster_size=512,refcount_bits=1 "$WORK/corpus/small.qcow2" 256K
qemu-img create -q -f qcow2 -o compression_type=zstd "$WORK/corpus/zstd.qcow2" 1M
qemu-img create -q -f qcow2 -b "$WORK/corpus/v2.qcow2" -F qcow2 "$WORK/corpus/overlay.qcow2"

"$WORK/fuzz_qcow2" -max_total_time="$SECONDS_TO_RUN" -max_len=700000 -artifact_prefix="$WORK/artifacts/" \
    -print_final_stats=1 "$WORK/corpus" >"$WORK/fuzz.log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
    tail -40 "$WORK/fuzz.log"
    echo "FAIL: libFuzzer exited with status $status"
    exit 1
fi
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/fuzz.log"
echo "PASS: ${SECONDS_TO_RUN}s of libFuzzer on the qcow2 open path found nothing"
