#include "chardev/vc_chardev.h"

#include <gtest/gtest.h>

#include "chardev/registry.h"
#include "tests/unit/common/fixtures.h"

namespace kemu {
namespace {

class Screen : public VcScreen {
  public:
    void show(std::span<const uint8_t> bytes) override { text.append(bytes.begin(), bytes.end()); }
    std::string text;
};

void write(Chardev& chr, std::string_view s) {
    chr.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

class VcRegistryTest : public ::testing::Test, public test::LoopFixture {
  protected:
    ChardevRegistry registry_{loop};
};

TEST_F(VcRegistryTest, LegacyAndChardevSpellingsMakeAVc) {
    auto serial = registry_.add_legacy("-serial", "vc", "serial0");
    ASSERT_TRUE(serial.ok()) << serial.error().message();
    EXPECT_NE(dynamic_cast<VcChardev*>(serial->chardev), nullptr);
    auto named = registry_.add_chardev_option("vc,id=console1");
    ASSERT_TRUE(named.ok()) << named.error().message();
    EXPECT_NE(dynamic_cast<VcChardev*>(*named), nullptr);
    EXPECT_EQ(registry_.info_text(), "serial0: filename=vc\nconsole1: filename=vc\n");
    // "mon:vc": the monitor and the serial port share one text console through a mux.
    auto shared = registry_.add_legacy("-serial", "mon:vc", "serial1");
    ASSERT_TRUE(shared.ok());
    EXPECT_TRUE(shared->with_monitor);
    EXPECT_NE(dynamic_cast<VcChardev*>(registry_.find("serial1-base")), nullptr);
}

TEST(VcChardevTest, BacklogIsBoundedAndKeepsTheNewestOutput) {
    VcChardev chr("serial0");
    write(chr, "old");
    write(chr, std::string(VcChardev::kBacklogLimit, 'x'));
    write(chr, "new");
    Screen screen;
    chr.set_screen(&screen);
    EXPECT_EQ(screen.text.size(), VcChardev::kBacklogLimit);
    EXPECT_TRUE(screen.text.ends_with("xnew"));
    write(chr, "!");
    EXPECT_TRUE(screen.text.ends_with("new!"));
    chr.set_screen(nullptr);
}

TEST(VcChardevTest, TypedInputIsBoundedWhileTheFrontendIsFull) {
    VcChardev chr("serial0");
    struct Full : CharFrontend {
        size_t can_receive() override { return room; }
        void receive(std::span<const uint8_t> data) override { got += data.size(); }
        size_t room = 0;
        size_t got = 0;
    } frontend;
    chr.attach(&frontend);
    std::string flood(3 * VcChardev::kPendingInputLimit, 'k');
    chr.type(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(flood.data()), flood.size()));
    EXPECT_EQ(frontend.got, 0u);
    frontend.room = 1 << 20;
    chr.frontend_ready();
    EXPECT_EQ(frontend.got, VcChardev::kPendingInputLimit);
    chr.detach(&frontend);
}

}  // namespace
}  // namespace kemu
