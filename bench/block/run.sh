#!/bin/bash
# kemu-img vs qemu-img, same machine, same run: `bench` workloads and a raw->qcow2 convert.
#   usage: run.sh <kemu-img> [qemu-img] [scratch-dir]
# Environment: COUNT_SMALL (4K requests, default 20000), COUNT_LARGE (64K requests, default
# 4000), IMAGE_SIZE (bench image, default 1G), CONVERT_SIZE (default 2G), REPEAT (best of N,
# default 5). Prints a markdown table; ratio = kemu time / qemu time (below 1: kemu faster).
# The two tools run alternately, so load from elsewhere on the host falls on both alike.
set -u
KEMU_IMG=${1:?usage: run.sh <kemu-img> [qemu-img] [scratch-dir]}
QEMU_IMG=${2:-qemu-img}
SCRATCH=${3:-/var/tmp}
COUNT_SMALL=${COUNT_SMALL:-20000}
COUNT_LARGE=${COUNT_LARGE:-4000}
IMAGE_SIZE=${IMAGE_SIZE:-1G}
CONVERT_SIZE=${CONVERT_SIZE:-2G}
REPEAT=${REPEAT:-5}
WORK=$(mktemp -d "$SCRATCH/kemu-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Wall time of one run of a shell command, in seconds, or "error".
time_of() {
    local start end
    start=$(date +%s.%N)
    eval "$1" >/dev/null 2>&1 || { echo error; return; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

# The smaller of a best time so far (or "") and a new time; "error" sticks.
better() {
    if [ "$1" = error ] || [ "$2" = error ]; then echo error
    elif [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"
    else echo "$1"; fi
}

# Best wall times of REPEAT alternating runs of two shell commands: "kemu qemu".
best_pair() {
    local k="" q=""
    for _ in $(seq 1 "$REPEAT"); do
        k=$(better "$k" "$(time_of "$1")")
        q=$(better "$q" "$(time_of "$2")")
    done
    [ "$k" = error ] || k=$(printf "%.3f" "$k")
    [ "$q" = error ] || q=$(printf "%.3f" "$q")
    echo "$k $q"
}

ratio() { if [ "$1" = error ] || [ "$2" = error ]; then echo "-"; else printf "%.2f" "$(echo "$1 / $2" | bc -l)"; fi; }

# A fully allocated qcow2 image so reads hit data, not holes.
img=$WORK/bench.qcow2
"$QEMU_IMG" create -q -f qcow2 -o preallocation=full "$img" "$IMAGE_SIZE"

echo "| workload | cache | depth | kemu-img (s) | qemu-img (s) | ratio |"
echo "|---|---|---|---|---|---|"
# "random" 4K: a large prime stride over the image (qemu-img bench has no random mode;
# offsets advance by the step modulo the image size in both tools).
STRIDE=$((4096 * 7919))
for workload in "4K-random-read" "4K-random-write" "64K-seq-read" "64K-seq-write"; do
    case $workload in
        4K-random-read) args="-s 4096 -S $STRIDE -c $COUNT_SMALL" ;;
        4K-random-write) args="-w -s 4096 -S $STRIDE -c $COUNT_SMALL" ;;
        64K-seq-read) args="-s 65536 -c $COUNT_LARGE" ;;
        64K-seq-write) args="-w -s 65536 -c $COUNT_LARGE" ;;
    esac
    for cache in none writeback; do
        for depth in 1 32; do
            bench="bench -f qcow2 -t $cache -d $depth $args '$img'"
            read -r k q < <(best_pair "'$KEMU_IMG' $bench" "'$QEMU_IMG' $bench")
            echo "| $workload | $cache | $depth | $k | $q | $(ratio "$k" "$q") |"
        done
    done
done

# convert raw -> qcow2 of a partly filled image (every 4th MiB holds random data).
src=$WORK/src.raw
truncate -s "$CONVERT_SIZE" "$src"
mib=$(( $(stat -c %s "$src") >> 20 ))
for ((m = 0; m < mib; m += 4)); do
    dd if=/dev/urandom of="$src" bs=1M count=1 seek=$m conv=notrunc status=none
done
read -r k q < <(best_pair "rm -f '$WORK/k.qcow2' && '$KEMU_IMG' convert -O qcow2 '$src' '$WORK/k.qcow2'" \
    "rm -f '$WORK/q.qcow2' && '$QEMU_IMG' convert -O qcow2 '$src' '$WORK/q.qcow2'")
echo "| convert raw->qcow2 $CONVERT_SIZE | - | - | $k | $q | $(ratio "$k" "$q") |"
