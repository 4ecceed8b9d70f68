// Many requests of every kind in flight at once through a BlockBackend, checked against a
// model of the disk: direct and driver paths, allocation, zeroing, flushes and exclusive
// operations interleave in whatever order the engine completes them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "block/block_backend.h"
#include "tests/unit/block/test_util.h"
#include "tests/unit/common/fixtures.h"

namespace kemu::block {
namespace {

using test::TempDir;

constexpr uint64_t kDiskSize = 8 << 20;
constexpr uint64_t kUnit = 4096;  // offsets and lengths are multiples (O_DIRECT-friendly)

// A 4 KiB-aligned buffer, so O_DIRECT requests can take the direct path.
struct Buffer {
    explicit Buffer(size_t n)
        : bytes(static_cast<uint8_t*>(std::aligned_alloc(kUnit, n))), len(n) {}
    ~Buffer() { std::free(bytes); }
    std::span<uint8_t> span() { return {bytes, len}; }
    uint8_t* bytes;
    size_t len;
};

struct Stress : kemu::test::LoopFixture {
    // KEMU_STRESS_SEED=n replays or varies a run; failures name the seed.
    uint64_t seed = std::getenv("KEMU_STRESS_SEED")
                        ? std::strtoull(std::getenv("KEMU_STRESS_SEED"), nullptr, 0)
                        : 12345;
    std::mt19937_64 rng{seed};
    std::vector<uint8_t> model = std::vector<uint8_t>(kDiskSize, 0);
    // Units with a write in flight: reads there, and other writes, would race by design.
    std::vector<int> busy = std::vector<int>(kDiskSize / kUnit, 0);
    int in_flight = 0;
    int failures = 0;

    bool range_free(uint64_t off, uint64_t len) const {
        for (uint64_t u = off / kUnit; u < (off + len) / kUnit; ++u)
            if (busy[u]) return false;
        return true;
    }
    void mark(uint64_t off, uint64_t len, int delta) {
        for (uint64_t u = off / kUnit; u < (off + len) / kUnit; ++u)
            busy[u] += delta;
    }

    // A random free range of 1 to 40 units (may straddle clusters and L2 tables).
    std::optional<std::pair<uint64_t, uint64_t>> pick() {
        for (int tries = 0; tries < 8; ++tries) {
            uint64_t len = (rng() % 40 + 1) * kUnit;
            uint64_t off = rng() % ((kDiskSize - len) / kUnit + 1) * kUnit;
            if (range_free(off, len)) return std::pair{off, len};
        }
        return std::nullopt;
    }

    void issue(BlockBackend& b) {
        auto range = pick();
        if (!range) return;
        auto [off, len] = *range;
        unsigned kind = rng() % 10;
        ++in_flight;
        auto check = [this](Result<void> r) {
            if (!r) {
                ADD_FAILURE() << r.error().message();
                ++failures;
            }
        };
        if (kind < 4) {  // write: the model changes at submission, the range stays busy
            auto data = std::make_shared<Buffer>(len);
            for (auto& byte : data->span())
                byte = static_cast<uint8_t>(rng());
            std::copy_n(data->bytes, len, model.begin() + static_cast<long>(off));
            mark(off, len, +1);
            b.write(off, data->span(), [this, off, len, data, check](Result<void> r) {
                check(std::move(r));
                mark(off, len, -1);
                --in_flight;
            });
        } else if (kind < 7) {  // read: compared with the model as it was at submission
            auto want = std::make_shared<std::vector<uint8_t>>(
                model.begin() + static_cast<long>(off),
                model.begin() + static_cast<long>(off + len));
            auto got = std::make_shared<Buffer>(len);
            mark(off, len, +1);  // keep writers off until the read is done
            b.read(off, got->span(), [this, off, len, want, got, check](Result<void> r) {
                check(std::move(r));
                if (!std::equal(want->begin(), want->end(), got->bytes)) {
                    ADD_FAILURE() << "read at " << off << "+" << len
                                  << " differs from the model (seed " << seed << ")";
                    ++failures;
                }
                mark(off, len, -1);
                --in_flight;
            });
        } else if (kind < 8) {  // zeroes, sometimes releasing clusters
            std::fill(model.begin() + static_cast<long>(off),
                      model.begin() + static_cast<long>(off + len), 0);
            mark(off, len, +1);
            b.write_zeroes(off, len, rng() % 2, [this, off, len, check](Result<void> r) {
                check(std::move(r));
                mark(off, len, -1);
                --in_flight;
            });
        } else if (kind < 9) {
            b.flush([this, check](Result<void> r) {
                check(std::move(r));
                --in_flight;
            });
        } else {  // an exclusive operation: a snapshot, dropped again at once
            b.run_exclusive(
                [](BlockDriver& d) -> Result<void> {
                    KEMU_TRY_VOID(d.snapshot_create({.name = "stress"}));
                    return d.snapshot_delete("stress");
                },
                [this, check](Result<void> r) {
                    check(std::move(r));
                    --in_flight;
                });
        }
    }
};

class BackendStress : public ::testing::TestWithParam<const char*> {};

TEST_P(BackendStress, MatchesModel) {
    TempDir dir;
    test::create_qcow2(dir.file("s.qcow2"), kDiskSize);
    Stress s;
    auto engine = make_default_engine(s.loop);
    auto mode = parse_cache_mode(GetParam());
    ASSERT_TRUE(mode.ok());
    DriveOptions o{.file = dir.file("s.qcow2"), .cache = *mode, .discard = DiscardMode::Unmap};
    auto b = BlockBackend::open(o, *engine);
    if (!b && cache_flags(*mode).direct) GTEST_SKIP() << b.error().message();
    ASSERT_TRUE(b.ok()) << b.error().message();
    for (int round = 0; round < 400 && !s.failures; ++round) {
        while (s.in_flight < 24)
            s.issue(**b);
        s.loop.run_once(1'000'000);
    }
    s.loop.run_until([&] { return s.in_flight == 0; });
    EXPECT_GT((*b)->direct_requests(), 0u);
    ASSERT_TRUE((*b)->close().ok());
    b->reset();
    auto d = test::open_qcow2(dir.file("s.qcow2"), false);
    EXPECT_TRUE(test::read_all(*d, 0, kDiskSize) == s.model)
        << "image differs from the model (seed " << s.seed << ")";
    test::expect_clean(*d);
}

INSTANTIATE_TEST_SUITE_P(Modes, BackendStress, ::testing::Values("none", "writeback"));

}  // namespace
}  // namespace kemu::block
