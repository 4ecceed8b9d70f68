// INTx from functions on the bus through the PIIX3 PIRQ router to ISA IRQs:
// the slot/pin rotation, sharing, INTx-disable, and rerouting while a line is high.
#include "hw/pci/piix3.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "pci_test_util.h"

namespace kemu::test {
namespace {

constexpr unsigned kPiix3Devfn = pci::devfn(1, 0);

class Piix3Test : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(h.bus.plug(piix3, kPiix3Devfn).ok());
        h.bus.set_irq_router([this](unsigned slot, unsigned pin, bool level) {
            piix3.set_pci_irq(slot, pin, level);
        });
        piix3.isa_irq = [this](unsigned irq, bool level) {
            isa[irq] = level;
            if (level) isa_raises[irq]++;
        };
        piix3.pirq_changed = [this](unsigned n, bool level) { pirq[n] = level; };
    }
    void route(unsigned pirq_index, uint8_t value) {
        h.cfg_write(kPiix3Devfn, Piix3::kPirqRouteControl + pirq_index, 1, value);
    }

    PciHarness h;
    Piix3 piix3{"piix3"};
    std::map<unsigned, bool> isa;
    std::map<unsigned, int> isa_raises;
    std::map<unsigned, bool> pirq;
};

TEST_F(Piix3Test, IdentityAndPowerOnRouting) {
    EXPECT_EQ(h.cfg_read(kPiix3Devfn, 0x00, 4), 0x70008086u);
    EXPECT_EQ(h.cfg_read(kPiix3Devfn, 0x08, 4) >> 8, 0x060100u);
    EXPECT_EQ(h.cfg_read(kPiix3Devfn, 0x60, 4), 0x80808080u);
    h.cfg_write(kPiix3Devfn, 0x60, 4, 0xffffffff);
    EXPECT_EQ(h.cfg_read(kPiix3Devfn, 0x60, 4), 0x8f8f8f8fu);  // bits 6:4 reserved
    piix3.reset();
    EXPECT_EQ(h.cfg_read(kPiix3Devfn, 0x60, 4), 0x80808080u);
}

TEST_F(Piix3Test, PinsRotateFromSlotToSlot) {
    for (unsigned slot : {0u, 1u, 2u, 3u, 6u, 31u})
        for (unsigned pin = 1; pin <= 4; pin++)
            EXPECT_EQ(Piix3::pirq_of(slot, pin), (slot + pin - 1) % 4) << slot << "/" << pin;
    // End to end: INTA# of slot 2 is PIRQC, INTB# of slot 3 is PIRQA... as wired on the PC.
    route(0, 10);
    route(1, 11);
    route(2, 5);
    route(3, 9);
    TestFunction a{"a", 1, false}, b{"b", 2, false}, c{"c", 4, false};
    ASSERT_TRUE(h.bus.plug(a, pci::devfn(2, 0)).ok());
    ASSERT_TRUE(h.bus.plug(b, pci::devfn(3, 0)).ok());
    ASSERT_TRUE(h.bus.plug(c, pci::devfn(4, 0)).ok());
    a.intx().raise();  // slot 2, INTA# -> PIRQC -> IRQ 5
    EXPECT_TRUE(isa[5]);
    EXPECT_TRUE(pirq[2]);
    b.intx().raise();  // slot 3, INTB# -> PIRQA -> IRQ 10
    EXPECT_TRUE(isa[10]);
    c.intx().raise();  // slot 4, INTD# -> PIRQD -> IRQ 9
    EXPECT_TRUE(isa[9]);
    EXPECT_FALSE(isa[11]);
    a.intx().lower();
    EXPECT_FALSE(isa[5]);
    EXPECT_FALSE(pirq[2]);
    EXPECT_TRUE(isa[10]);
}

TEST_F(Piix3Test, DisabledPirqReachesNoIsaIrqButIsStillReported) {
    TestFunction a{"a", 1, false};
    ASSERT_TRUE(h.bus.plug(a, pci::devfn(2, 0)).ok());
    a.intx().raise();  // PIRQC, still 0x80
    EXPECT_TRUE(pirq[2]);
    EXPECT_TRUE(isa.empty());
    for (uint8_t reserved : {0, 1, 2, 8, 13}) {  // a reserved IRQ number counts as unrouted
        route(2, reserved);
        EXPECT_FALSE(piix3.pirq_route(2).has_value());
    }
    EXPECT_TRUE(isa.empty());
    route(2, 11);
    EXPECT_TRUE(isa[11]);
}

TEST_F(Piix3Test, SharedPirqIsTheOrOfItsSources) {
    route(2, 11);
    // Slot 2 INTA# and slot 3 INTD# both land on PIRQC; two functions of slot 5 share INTB#.
    TestFunction a{"a", 1, false}, b{"b", 4, false}, c0{"c0", 2, false}, c1{"c1", 2, false};
    ASSERT_TRUE(h.bus.plug(a, pci::devfn(2, 0)).ok());
    ASSERT_TRUE(h.bus.plug(b, pci::devfn(3, 0)).ok());
    ASSERT_TRUE(h.bus.plug(c0, pci::devfn(5, 0)).ok());
    ASSERT_TRUE(h.bus.plug(c1, pci::devfn(5, 1)).ok());
    a.intx().raise();
    b.intx().raise();
    a.intx().lower();
    EXPECT_TRUE(isa[11]);
    b.intx().lower();
    EXPECT_FALSE(isa[11]);
    EXPECT_EQ(isa_raises[11], 1);

    route(1, 10);  // slot 5 INTB# -> PIRQ (5 + 2 - 1) % 4 = 2: PIRQC as well
    c0.intx().raise();
    c1.intx().raise();
    EXPECT_TRUE(h.bus.intx_level(5, 2));
    c0.intx().lower();
    EXPECT_TRUE(h.bus.intx_level(5, 2));
    EXPECT_TRUE(isa[11]);
    c1.intx().lower();
    EXPECT_FALSE(isa[11]);
    EXPECT_FALSE(isa[10]);
}

TEST_F(Piix3Test, TwoPirqsOnOneIrqAreOred) {
    route(0, 10);
    route(1, 10);
    piix3.set_pci_irq(4, 1, true);  // PIRQA
    piix3.set_pci_irq(4, 2, true);  // PIRQB
    piix3.set_pci_irq(4, 1, false);
    EXPECT_TRUE(isa[10]);
    piix3.set_pci_irq(4, 2, false);
    EXPECT_FALSE(isa[10]);
}

TEST_F(Piix3Test, ReroutingWhileHighMovesTheLevel) {
    route(0, 10);
    TestFunction a{"a", 1, false};
    ASSERT_TRUE(h.bus.plug(a, pci::devfn(0, 0)).ok());  // slot 0 INTA# -> PIRQA
    a.intx().raise();
    ASSERT_TRUE(isa[10]);
    route(0, 11);
    EXPECT_FALSE(isa[10]);
    EXPECT_TRUE(isa[11]);
    route(0, 0x80 | 11);
    EXPECT_FALSE(isa[11]);
    route(0, 11);
    EXPECT_TRUE(isa[11]);
    EXPECT_EQ(isa_raises[11], 2);
    a.intx().lower();
    EXPECT_FALSE(isa[11]);
    EXPECT_FALSE(isa[10]);
}

TEST_F(Piix3Test, InterruptDisableMasksTheFunctionsIntx) {
    route(2, 11);
    TestFunction a{"a", 1, false};
    ASSERT_TRUE(h.bus.plug(a, pci::devfn(2, 0)).ok());
    a.intx().raise();
    ASSERT_TRUE(isa[11]);
    h.cfg_write(pci::devfn(2, 0), pci::kCommand, 2, pci::kCommandIntxDisable);
    EXPECT_FALSE(isa[11]);
    EXPECT_EQ(h.cfg_read(pci::devfn(2, 0), pci::kStatus, 1) & 0x08, 0x08u);
    h.cfg_write(pci::devfn(2, 0), pci::kCommand, 2, 0);
    EXPECT_TRUE(isa[11]);
    a.reset();  // a function reset drops its INTx
    EXPECT_FALSE(isa[11]);
}

TEST_F(Piix3Test, SaveLoadKeepsRoutingAndLevels) {
    route(0, 10);
    piix3.set_pci_irq(0, 1, true);
    piix3.set_pci_irq(5, 3, true);  // PIRQ (5 + 3 - 1) mod 4 = 3 from slot 5
    std::vector<uint8_t> saved = saved_state(piix3);
    // The configuration space, then per PIRQ the slots driving it (32 bits each).
    EXPECT_EQ(saved,
              concat(saved_config(piix3), {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0}));
    EXPECT_EQ(saved[4 + Piix3::kPirqRouteControl], 10);
    Piix3 restored{"piix3b"};
    std::map<unsigned, bool> restored_isa;
    restored.isa_irq = [&](unsigned irq, bool level) { restored_isa[irq] = level; };
    StateReader r(saved);
    ASSERT_TRUE(restored.load(r, 1).ok());
    EXPECT_EQ(restored.pirq_route(0), 10u);
    EXPECT_TRUE(restored.pirq_level(0));
    EXPECT_TRUE(restored.pirq_level(3));
    EXPECT_TRUE(restored_isa[10]);
    restored.set_pci_irq(0, 1, false);
    EXPECT_FALSE(restored_isa[10]) << "the restored source can be withdrawn";
    StateReader short_stream(std::span<const uint8_t>(saved).first(saved.size() - 1));
    EXPECT_FALSE(restored.load(short_stream, 1).ok());
    EXPECT_EQ(restored.pirq_route(0), std::nullopt) << "a refused stream resets the routing";
}

}  // namespace
}  // namespace kemu::test
