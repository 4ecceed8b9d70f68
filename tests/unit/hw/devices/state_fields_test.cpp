// The field visitor of hw/core/state_io.h and the load verdict of hw/core/device_state.h.
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <optional>
#include <vector>

#include "hw/core/device_state.h"
#include "hw/core/state_io.h"
#include "hw/input/ps2_keyboard.h"

namespace kemu {
namespace {

enum class Mode : uint16_t { Off, On = 0x1234 };

struct Inner {
    uint8_t a = 0;
    bool b = false;

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.a, self.b);
    }
};

struct Sample {
    uint8_t u8 = 0;
    int64_t i64 = 0;
    Mode mode = Mode::Off;
    std::array<uint32_t, 2> words{};
    std::optional<uint8_t> maybe;
    Inner inner;
    std::vector<uint8_t> fixed = std::vector<uint8_t>(3);
    std::deque<uint8_t> queue;

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.u8, self.i64, self.mode, self.words, self.maybe, self.inner, self.fixed,
           bounded(self.queue, 4));
    }
};

Sample filled() {
    Sample s;
    s.u8 = 0xab;
    s.i64 = -5;
    s.mode = Mode::On;
    s.words = {1, 0xffffffff};
    s.maybe = 7;
    s.inner = {0x42, true};
    s.fixed = {9, 8, 7};
    s.queue = {1, 2, 3};
    return s;
}

std::vector<uint8_t> saved(const Sample& s) {
    StateWriter w;
    Sample::state_fields(s, w);
    return w.data();
}

TEST(StateFields, OneListSavesAndLoadsEveryKindOfField) {
    std::vector<uint8_t> bytes = saved(filled());
    // u8 + i64 + u16 enum + 2 words + (flag + byte) + inner + (length + 3) + (length + 3)
    EXPECT_EQ(bytes.size(), 1u + 8 + 2 + 8 + 2 + 2 + 7 + 7);
    Sample out;
    out.queue = {99};
    StateReader r(bytes);
    Sample::state_fields(out, r);
    EXPECT_TRUE(r.finish("sample").ok());
    EXPECT_EQ(out.u8, 0xab);
    EXPECT_EQ(out.i64, -5);
    EXPECT_EQ(out.mode, Mode::On);
    EXPECT_EQ(out.words, (std::array<uint32_t, 2>{1, 0xffffffff}));
    EXPECT_EQ(out.maybe, std::optional<uint8_t>(7));
    EXPECT_EQ(out.inner.a, 0x42);
    EXPECT_TRUE(out.inner.b);
    EXPECT_EQ(out.fixed, (std::vector<uint8_t>{9, 8, 7}));
    EXPECT_EQ(out.queue, (std::deque<uint8_t>{1, 2, 3}));
}

TEST(StateFields, EmptyOptionalAndQueueRoundTrip) {
    Sample in = filled();
    in.maybe.reset();
    in.queue.clear();
    std::vector<uint8_t> bytes = saved(in);
    Sample out = filled();
    StateReader r(bytes);
    Sample::state_fields(out, r);
    EXPECT_TRUE(r.finish("sample").ok());
    EXPECT_FALSE(out.maybe.has_value());
    EXPECT_TRUE(out.queue.empty());
}

TEST(StateFields, QueueLongerThanItsBoundFails) {
    Sample in = filled();
    in.queue = {1, 2, 3, 4, 5};  // the writer does not check; the reader must
    std::vector<uint8_t> bytes = saved(in);
    Sample out;
    StateReader r(bytes);
    Sample::state_fields(out, r);
    EXPECT_TRUE(r.failed());
    EXPECT_LE(out.queue.size(), 4u);
}

TEST(StateFields, FixedVectorOfAnotherLengthFails) {
    Sample in = filled();
    in.fixed = {1, 2};
    std::vector<uint8_t> bytes = saved(in);
    Sample out;
    StateReader r(bytes);
    Sample::state_fields(out, r);
    EXPECT_TRUE(r.failed());
    EXPECT_EQ(out.fixed.size(), 3u) << "the buffer keeps its size";
}

TEST(StateFields, ShortStreamFailsAndReadsZero) {
    std::vector<uint8_t> bytes = saved(filled());
    bytes.resize(5);
    Sample out;
    out.i64 = 77;
    StateReader r(bytes);
    Sample::state_fields(out, r);
    EXPECT_TRUE(r.failed());
    EXPECT_FALSE(r.finish("sample").ok());
    EXPECT_EQ(out.u8, 0xab);
    EXPECT_EQ(out.i64, 0);
}

// A device whose one field may not be 0xff, loaded as every device loads.
class OneByteDevice final : public Device {
  public:
    OneByteDevice() : Device("one-byte") {}
    const char* type_name() const override { return "one-byte"; }
    void reset() override {
        value = 0;
        resets++;
    }
    void save(StateWriter& out) const override { out(value); }
    Result<void> load(StateReader& in, uint32_t version) override {
        KEMU_TRY_VOID(check_state_version(*this, version));
        in(value);
        return finish_load(*this, in, value != 0xff);
    }

    uint8_t value = 0;
    int resets = 0;
};

Result<void> load_bytes(OneByteDevice& dev, std::vector<uint8_t> bytes, uint32_t version = 1) {
    StateReader r(bytes);
    return dev.load(r, version);
}

TEST(DeviceState, GoodStreamLoadsWithoutReset) {
    OneByteDevice dev;
    EXPECT_TRUE(load_bytes(dev, {0x12}).ok());
    EXPECT_EQ(dev.value, 0x12);
    EXPECT_EQ(dev.resets, 0);
}

TEST(DeviceState, NewerVersionIsRefusedBeforeAnythingIsRead) {
    OneByteDevice dev;
    dev.value = 5;
    Result<void> r = load_bytes(dev, {0x12}, 2);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "one-byte: unsupported state version");
    EXPECT_EQ(dev.value, 5);
}

TEST(DeviceState, RejectedStreamsResetTheDevice) {
    for (std::vector<uint8_t> bytes :
         {std::vector<uint8_t>{}, std::vector<uint8_t>{1, 2}, std::vector<uint8_t>{0xff}}) {
        OneByteDevice dev;
        dev.value = 5;
        Result<void> r = load_bytes(dev, bytes);
        ASSERT_FALSE(r.ok()) << bytes.size();
        EXPECT_EQ(r.error().message(), "one-byte: malformed device state");
        EXPECT_EQ(dev.resets, 1);
        EXPECT_EQ(dev.value, 0) << "never half loaded";
    }
}

// The keyboard's fields follow the PS/2 port's own: a scan-code set that does not exist
// makes the controller's load fail.
TEST(DeviceState, KeyboardWithImpossibleScanSetIsInvalid) {
    Ps2Keyboard kb;
    StateWriter w;
    Ps2Keyboard::state_fields(kb, w);
    EXPECT_TRUE(kb.loaded_state_valid());
    StateWriter bad;
    // last read, empty queue, no argument due, scan-code set 7, LEDs, typematic, scanning,
    // set-3 break mode.
    bad(uint8_t(0), uint32_t(0), uint8_t(0), 7u, uint8_t(0), uint8_t(0x2b), true, uint8_t(0));
    ASSERT_EQ(bad.data().size(), w.data().size());
    StateReader r(bad.data());
    Ps2Keyboard::state_fields(kb, r);
    EXPECT_TRUE(r.finish("kbd").ok());
    EXPECT_EQ(kb.scan_set(), 7u);
    EXPECT_FALSE(kb.loaded_state_valid());
}

}  // namespace
}  // namespace kemu
