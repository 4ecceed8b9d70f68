// kemu-img bench: the qemu-img bench workload (fixed-size requests at a moving offset,
// a given queue depth) through a BlockBackend, its I/O engine and a main event loop.
#include <getopt.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "block/block_backend.h"
#include "system/clock.h"
#include "system/event_loop.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

struct BenchConfig {
    uint64_t count = 75000;
    unsigned depth = 64;
    uint64_t offset = 0;
    uint64_t buf_size = 4096;
    std::optional<uint64_t> step;
    uint64_t flush_interval = 0;
    bool drain_on_flush = true;
    bool write = false;
    int pattern = 0;
};

struct BenchRun {
    const BenchConfig& cfg;
    block::BlockBackend& drive;
    std::vector<uint8_t*> buffers;
    uint64_t next_offset;
    uint64_t submitted = 0;
    uint64_t completed = 0;
    unsigned in_flight = 0;
    std::vector<unsigned> free_slots;
    bool flush_pending = false;
    bool flushing = false;
    std::optional<Error> error;

    uint64_t take_offset() {
        uint64_t off = next_offset;
        uint64_t size = drive.size();
        next_offset += cfg.step.value_or(cfg.buf_size);
        if (next_offset + cfg.buf_size > size) next_offset = next_offset % size;
        if (next_offset + cfg.buf_size > size) next_offset = 0;
        return off;
    }

    void submit() {
        unsigned slot = free_slots.back();
        free_slots.pop_back();
        ++submitted;
        ++in_flight;
        uint64_t off = take_offset();
        auto done = [this, slot](Result<void> r) { complete(slot, std::move(r)); };
        if (cfg.write) {
            drive.write(off, {buffers[slot], cfg.buf_size}, done);
        } else {
            drive.read(off, {buffers[slot], cfg.buf_size}, done);
        }
    }

    void complete(unsigned slot, Result<void> r) {
        --in_flight;
        ++completed;
        free_slots.push_back(slot);
        if (!r && !error) error = r.error();
        if (cfg.write && cfg.flush_interval && completed % cfg.flush_interval == 0) {
            // Draining (qemu-img's default) holds new requests until the flush is done and
            // sends the flush only once nothing else is in flight.
            flush_pending = true;
        }
        pump();
    }

    void pump() {
        if (error) return;
        if (flush_pending && !flushing && (!cfg.drain_on_flush || in_flight == 0)) {
            flush_pending = false;
            flushing = true;
            drive.flush([this](Result<void> r) {
                flushing = false;
                if (!r && !error) error = r.error();
                pump();
            });
        }
        bool held = cfg.drain_on_flush && (flush_pending || flushing);
        while (!held && submitted < cfg.count && !free_slots.empty())
            submit();
    }

    bool done() const {
        return in_flight == 0 && (error || (completed == cfg.count && !flushing && !flush_pending));
    }
};

}  // namespace

int cmd_bench(int argc, char** argv) {
    BenchConfig cfg;
    std::string format, cache = "writeback";
    block::AioMode aio = block::AioMode::Default;
    bool quiet = false, share = false;
    static const option longopts[] = {{"flush-interval", required_argument, nullptr, 'F'},
                                      {"no-drain", no_argument, nullptr, 'N'},
                                      {"pattern", required_argument, nullptr, 'P'},
                                      {"force-share", no_argument, nullptr, 'U'},
                                      {nullptr, 0, nullptr, 0}};
    auto number = [](const char* text, uint64_t& out) {
        auto v = parse_size(text);
        if (!v) return false;
        out = *v;
        return true;
    };
    int c;
    while ((c = getopt_long(argc, argv, ":c:d:f:ni:o:qs:S:t:wU", longopts, nullptr)) != -1) {
        uint64_t v = 0;
        switch (c) {
            case 'c':
                if (!number(optarg, v) || v == 0) return fail("Invalid request count specified");
                cfg.count = v;
                break;
            case 'd':
                if (!number(optarg, v) || v == 0 || v > 65536)
                    return fail("Invalid queue depth specified");
                cfg.depth = static_cast<unsigned>(v);
                break;
            case 'f':
                format = optarg;
                break;
            case 'n':
                cache = "none";
                break;
            case 'i': {
                auto mode = block::parse_aio_mode(optarg);
                if (!mode) return fail("Invalid aio option: " + std::string(optarg));
                aio = *mode;
                break;
            }
            case 'o':
                if (!number(optarg, cfg.offset)) return fail("Invalid offset specified");
                break;
            case 'q':
                quiet = true;
                break;
            case 's':
                if (!number(optarg, v) || v == 0 || v > (1u << 30))
                    return fail("Invalid buffer size specified");
                cfg.buf_size = v;
                break;
            case 'S':
                if (!number(optarg, v)) return fail("Invalid step size specified");
                cfg.step = v;
                break;
            case 't':
                cache = optarg;
                break;
            case 'w':
                cfg.write = true;
                break;
            case 'U':
                share = true;
                break;
            case 'F':
                if (!number(optarg, cfg.flush_interval))
                    return fail("Invalid flush interval specified");
                break;
            case 'N':
                cfg.drain_on_flush = false;
                break;
            case 'P':
                cfg.pattern = std::atoi(optarg);
                break;
            default:
                return fail(
                    "usage: kemu-img bench [-c count] [-d depth] [-f fmt] [-n] [-o offset] "
                    "[-s buffer_size] [-S step_size] [-t cache] [-w] filename");
        }
    }
    if (optind != argc - 1) return fail("Expecting one image file name");
    if (cfg.flush_interval && !cfg.write) {
        return fail("--flush-interval is only available in write tests");
    }
    auto mode = block::parse_cache_mode(cache);
    if (!mode) return fail(mode.error());

    std::mutex machine_lock;
    HostClock clock;
    TimerQueue timers(clock);
    EventLoop loop(machine_lock, timers);
    std::unique_lock<std::mutex> held(machine_lock);
    auto init = loop.init();
    if (!init) return fail(init.error());
    auto engine = block::make_engine(aio, loop);
    if (!engine) return fail(engine.error());
    block::DriveOptions o;
    o.file = argv[optind];
    o.format = format;
    o.cache = *mode;
    o.read_only = !cfg.write;
    o.locking = share ? block::LockMode::Off : block::LockMode::Auto;
    o.aio = aio;
    auto checked = block::check_drive_options(o);
    if (!checked) return fail("Could not open '" + o.file + "': " + checked.error().message());
    auto drive = block::BlockBackend::open(o, **engine);
    if (!drive) return fail("Could not open '" + o.file + "': " + drive.error().message());

    std::vector<std::unique_ptr<uint8_t, decltype(&free)>> owned;
    BenchRun run{cfg, **drive, {}, cfg.offset};
    for (unsigned i = 0; i < cfg.depth; ++i) {
        void* p = nullptr;
        if (posix_memalign(&p, 4096, cfg.buf_size) != 0) return fail("Out of memory");
        std::memset(p, cfg.pattern, cfg.buf_size);
        owned.emplace_back(static_cast<uint8_t*>(p), &free);
        run.buffers.push_back(static_cast<uint8_t*>(p));
        run.free_slots.push_back(i);
    }
    if (!quiet) {
        std::printf(
            "Sending %llu %s requests, %llu bytes each, %u in parallel (starting at "
            "offset %llu, step size %llu)\n",
            static_cast<unsigned long long>(cfg.count), cfg.write ? "write" : "read",
            static_cast<unsigned long long>(cfg.buf_size), cfg.depth,
            static_cast<unsigned long long>(cfg.offset),
            static_cast<unsigned long long>(cfg.step.value_or(cfg.buf_size)));
        if (cfg.flush_interval) {
            std::printf("Sending flush every %llu requests\n",
                        static_cast<unsigned long long>(cfg.flush_interval));
        }
    }
    auto start = std::chrono::steady_clock::now();
    run.pump();
    loop.run_until([&] { return run.done(); });
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (run.error) return fail(*run.error);
    auto closed = (*drive)->close();
    if (!closed) return fail(closed.error());
    if (!quiet) std::printf("Run completed in %.3f seconds.\n", seconds);
    return 0;
}

}  // namespace kemu::img
