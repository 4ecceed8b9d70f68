// Crash-safety workload: `write` issues random sector-stamped writes with periodic flushes
// and logs each write before issuing it and each flush after it returns; the test kills it
// with SIGKILL. `verify` then checks that every sector holds either the last write that a
// completed flush covered or a write issued after that flush, and nothing else.
// `write-async` does the same through a BlockBackend, the emulator's path (direct io_uring
// requests, map-then-submit, the driver path), with up to 16 writes in flight; a flush
// waits until none is, so it covers every write logged before it. A write never overlaps
// one in flight: concurrent overlapping writes may land in either order, and the verifier
// takes the later one to be the one that stays.
//
//   crash_writer write <image> <log> <seed>
//   crash_writer write-async <image> <log> <seed> <cache mode>
//   crash_writer verify <image> <log>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "block/block_backend.h"
#include "block/open.h"
#include "block/qcow2/format.h"
#include "system/clock.h"
#include "system/event_loop.h"

namespace {

constexpr uint64_t kSector = 512;

uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Sector contents for write `seq`: the seq, the sector number, then a derived fill.
void fill_sector(uint8_t* p, uint64_t seq, uint64_t sector) {
    kemu::block::qcow2::put_be64(p, seq);
    kemu::block::qcow2::put_be64(p + 8, sector);
    for (uint64_t i = 16; i < kSector; i += 8) {
        kemu::block::qcow2::put_be64(p + i, mix(seq * 1000003 + sector * 131 + i));
    }
}

bool sector_matches(const uint8_t* p, uint64_t seq, uint64_t sector) {
    uint8_t expect[kSector];
    fill_sector(expect, seq, sector);
    return std::memcmp(p, expect, kSector) == 0;
}

// The random writes both writers issue: count sectors from first.
struct WriteShape {
    uint64_t first, count;
};

WriteShape next_write(std::mt19937_64& rng, uint64_t sectors) {
    // Mix small writes, cluster-sized writes and writes that straddle clusters.
    uint64_t count = rng() % 4 == 0 ? 128 + rng() % 256 : 1 + rng() % 16;
    return {rng() % (sectors - count), count};
}

bool log_line(int log, const std::string& line) {
    return ::write(log, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

int write_mode(const std::string& image, const std::string& log_path, uint32_t seed) {
    auto d = kemu::block::open_image(image, {.format = "qcow2"});
    if (!d) {
        std::fprintf(stderr, "%s\n", d.error().message().c_str());
        return 1;
    }
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (log < 0) return 1;
    std::mt19937_64 rng(seed);
    const uint64_t sectors = (*d)->size() / kSector;
    std::vector<uint8_t> buf;
    uint64_t next_flush = 1 + rng() % 30;
    for (uint64_t seq = 1;; ++seq) {
        auto [first, count] = next_write(rng, sectors);
        buf.resize(count * kSector);
        for (uint64_t s = 0; s < count; ++s)
            fill_sector(&buf[s * kSector], seq, first + s);
        if (!log_line(log, "W " + std::to_string(seq) + " " + std::to_string(first) + " " +
                               std::to_string(count) + "\n")) {
            return 1;
        }
        auto r = (*d)->write(first * kSector, buf);
        if (!r) {
            std::fprintf(stderr, "write: %s\n", r.error().message().c_str());
            return 1;
        }
        if (seq == next_flush) {
            auto f = (*d)->flush();
            if (!f) return 1;
            if (!log_line(log, "F " + std::to_string(seq) + "\n")) return 1;
            next_flush = seq + 1 + rng() % 30;
        }
    }
}

int write_async_mode(const std::string& image, const std::string& log_path, uint32_t seed,
                     const std::string& cache) {
    using kemu::Result;
    std::mutex machine_lock;
    kemu::HostClock clock;
    kemu::TimerQueue timers(clock);
    kemu::EventLoop loop(machine_lock, timers);
    std::unique_lock<std::mutex> held(machine_lock);
    auto mode = kemu::block::parse_cache_mode(cache);
    if (!loop.init() || !mode) return 1;
    auto engine = kemu::block::make_default_engine(loop);
    auto drive = kemu::block::BlockBackend::open({.file = image, .format = "qcow2", .cache = *mode},
                                                 *engine);
    if (!drive) {
        std::fprintf(stderr, "%s\n", drive.error().message().c_str());
        return 1;
    }
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (log < 0) return 1;
    std::mt19937_64 rng(seed);
    const uint64_t sectors = (*drive)->size() / kSector;
    constexpr int kDepth = 16;
    int in_flight = 0;
    bool failed = false;
    std::vector<WriteShape> writing;  // the writes in flight
    auto done = [&](Result<void> r) {
        --in_flight;
        if (!r) failed = true;
    };
    auto overlaps_in_flight = [&](const WriteShape& w) {
        return std::any_of(writing.begin(), writing.end(), [&](const WriteShape& o) {
            return w.first < o.first + o.count && o.first < w.first + w.count;
        });
    };
    uint64_t next_flush = 1 + rng() % 30;
    for (uint64_t seq = 1; !failed; ++seq) {
        loop.run_until([&] { return in_flight < kDepth; });
        WriteShape w = next_write(rng, sectors);
        loop.run_until([&] { return !overlaps_in_flight(w); });
        // Aligned, so O_DIRECT requests may go straight to the engine.
        auto buf = std::shared_ptr<uint8_t[]>(
            static_cast<uint8_t*>(std::aligned_alloc(4096, (w.count * kSector + 4095) & ~4095ull)),
            std::free);
        for (uint64_t s = 0; s < w.count; ++s)
            fill_sector(&buf[s * kSector], seq, w.first + s);
        if (!log_line(log, "W " + std::to_string(seq) + " " + std::to_string(w.first) + " " +
                               std::to_string(w.count) + "\n")) {
            return 1;
        }
        ++in_flight;
        writing.push_back(w);
        (*drive)->write(
            w.first * kSector, {buf.get(), w.count * kSector}, [&, w, buf](Result<void> r) {
                writing.erase(std::find_if(
                    writing.begin(), writing.end(),
                    [&](const WriteShape& o) { return o.first == w.first && o.count == w.count; }));
                done(std::move(r));
            });
        if (seq == next_flush) {
            loop.run_until([&] { return in_flight == 0; });
            bool flushed = false;
            ++in_flight;
            (*drive)->flush([&](Result<void> r) {
                flushed = true;
                done(std::move(r));
            });
            loop.run_until([&] { return flushed; });
            if (failed || !log_line(log, "F " + std::to_string(seq) + "\n")) return 1;
            next_flush = seq + 1 + rng() % 30;
        }
    }
    std::fprintf(stderr, "a write or flush failed\n");
    return 1;
}

int verify_mode(const std::string& image, const std::string& log_path) {
    struct Write {
        uint64_t seq, first, count;
    };
    std::vector<Write> writes;
    uint64_t flushed = 0;
    FILE* log = std::fopen(log_path.c_str(), "r");
    if (!log) return 1;
    char kind;
    unsigned long long a, b, c;
    while (std::fscanf(log, " %c", &kind) == 1) {
        if (kind == 'W' && std::fscanf(log, "%llu %llu %llu", &a, &b, &c) == 3) {
            writes.push_back({a, b, c});
        } else if (kind == 'F' && std::fscanf(log, "%llu", &a) == 1) {
            flushed = a;
        } else {
            break;  // a torn last line
        }
    }
    std::fclose(log);
    auto d = kemu::block::open_image(image, {.format = "qcow2", .read_only = true});
    if (!d) {
        std::fprintf(stderr, "open: %s\n", d.error().message().c_str());
        return 1;
    }
    const uint64_t sectors = (*d)->size() / kSector;
    std::vector<uint64_t> durable(sectors, 0);  // last flushed write per sector
    for (const Write& w : writes) {
        if (w.seq > flushed) break;
        for (uint64_t s = w.first; s < w.first + w.count && s < sectors; ++s)
            durable[s] = w.seq;
    }
    std::vector<uint8_t> chunk(1 << 20);
    uint64_t bad = 0;
    for (uint64_t base = 0; base < sectors; base += chunk.size() / kSector) {
        uint64_t n = std::min<uint64_t>(chunk.size() / kSector, sectors - base);
        auto r = (*d)->read(base * kSector, {chunk.data(), n * kSector});
        if (!r) {
            std::fprintf(stderr, "read: %s\n", r.error().message().c_str());
            return 1;
        }
        for (uint64_t i = 0; i < n; ++i) {
            uint64_t s = base + i;
            const uint8_t* p = &chunk[i * kSector];
            uint64_t seq = kemu::block::qcow2::be64(p);
            bool fine;
            if (seq == durable[s]) {
                fine = seq == 0 ? std::all_of(p, p + kSector, [](uint8_t x) { return !x; })
                                : sector_matches(p, seq, s);
            } else {
                // Only a write issued after the last completed flush may have replaced it.
                fine = seq > flushed && sector_matches(p, seq, s);
                if (fine) {
                    fine = std::any_of(writes.begin(), writes.end(), [&](const Write& w) {
                        return w.seq == seq && s >= w.first && s < w.first + w.count;
                    });
                }
            }
            if (!fine && bad++ < 5) {
                std::fprintf(stderr, "sector %llu: found seq %llu, expected %llu (flushed %llu)\n",
                             static_cast<unsigned long long>(s),
                             static_cast<unsigned long long>(seq),
                             static_cast<unsigned long long>(durable[s]),
                             static_cast<unsigned long long>(flushed));
            }
        }
    }
    std::printf("verified %llu writes (%llu flushed): %llu bad sectors\n",
                static_cast<unsigned long long>(writes.size()),
                static_cast<unsigned long long>(flushed), static_cast<unsigned long long>(bad));
    return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && !std::strcmp(argv[1], "write")) {
        return write_mode(argv[2], argv[3],
                          static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10)));
    }
    if (argc == 6 && !std::strcmp(argv[1], "write-async")) {
        return write_async_mode(argv[2], argv[3],
                                static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10)), argv[5]);
    }
    if (argc == 4 && !std::strcmp(argv[1], "verify")) return verify_mode(argv[2], argv[3]);
    std::fprintf(stderr,
                 "usage: crash_writer write <image> <log> <seed> | write-async <image> <log> "
                 "<seed> <cache> | verify <image> <log>\n");
    return 2;
}
