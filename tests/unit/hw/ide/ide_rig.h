// A PIIX-style IDE setup for tests without a CPU: two channels at the legacy ports, the
// bus master at kBmBase, 1 MiB of guest RAM at 0, raw images in a scratch directory, and a
// main loop that runs the block layer's completions while a test waits for BSY to clear.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "block/block_backend.h"
#include "hw/ide/ata_disk.h"
#include "hw/ide/atapi_cdrom.h"
#include "hw/ide/bmdma.h"
#include "hw/ide/ide_channel.h"
#include "system/address_space.h"
#include "system/clock.h"
#include "system/event_loop.h"
#include "tests/unit/block/test_util.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu::ide::test {

// Legacy port blocks of the two channels and a BAR4 address as a BIOS might pick it.
inline constexpr uint16_t kCmd[2] = {0x1f0, 0x170};
inline constexpr uint16_t kCtl[2] = {0x3f6, 0x376};
inline constexpr uint16_t kBmBase = 0xc000;
inline constexpr uint64_t kRamSize = 1 << 20;

enum : uint16_t { kData = 0, kError = 1, kFeature = 1, kCount = 2, kLbaLow = 3, kLbaMid = 4 };
enum : uint16_t { kLbaHigh = 5, kDevice = 6, kStatus = 7, kCommand = 7 };

class IdeRig : public kemu::test::PortBus {
  public:
    std::mutex machine_lock;
    HostClock clock;
    TimerQueue timers{clock};
    EventLoop loop{machine_lock, timers};
    std::unique_lock<std::mutex> held{machine_lock};
    std::unique_ptr<block::IoEngine> engine;
    block::test::TempDir dir;

    AddressSpace memory{"memory", 1ull << 32};
    std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize);
    MemoryRegion ram_region = MemoryRegion::ram("ram", ram.data(), ram.size());
    IdeChannel channel[2] = {IdeChannel("ide0", 14), IdeChannel("ide1", 15)};
    Bmdma bmdma{"bmdma", memory, channel[0], channel[1]};
    kemu::test::IrqRecorder irq0{channel[0].irq()};
    kemu::test::IrqRecorder irq1{channel[1].irq()};

    IdeRig() {
        EXPECT_TRUE(loop.init().ok());
        engine = block::make_default_engine(loop);
        EXPECT_TRUE(memory.map(0, &ram_region).ok());
        for (int c = 0; c < 2; c++) {
            EXPECT_TRUE(io.map(kCmd[c], &channel[c].command_block()).ok());
            EXPECT_TRUE(io.map(kCtl[c], &channel[c].control_block()).ok());
        }
        EXPECT_TRUE(io.map(kBmBase, &bmdma.io()).ok());
    }

    // A raw image holding `contents`, zero-padded to `size` bytes.
    std::unique_ptr<block::BlockBackend> image(const std::string& name,
                                               const std::vector<uint8_t>& contents, uint64_t size,
                                               block::DriveOptions o = {}) {
        std::string path = dir.file(name);
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::pwrite(fd, contents.data(), contents.size(), 0), ssize_t(contents.size()));
        EXPECT_EQ(::ftruncate(fd, off_t(size)), 0);
        ::close(fd);
        o.file = path;
        o.format = "raw";
        auto b = block::BlockBackend::open(o, *engine);
        EXPECT_TRUE(b.ok()) << (b ? "" : b.error().message());
        return b ? std::move(*b) : nullptr;
    }
    std::vector<uint8_t> file_bytes(const std::string& name, uint64_t offset, size_t len) {
        std::vector<uint8_t> out(len);
        int fd = ::open(dir.file(name).c_str(), O_RDONLY | O_CLOEXEC);
        EXPECT_EQ(::pread(fd, out.data(), len, off_t(offset)), ssize_t(len));
        ::close(fd);
        return out;
    }

    // Runs the main loop until the selected device of channel `c` drops BSY; the alternate
    // status, so a pending interrupt stays pending. Fails the test after a few seconds.
    uint8_t wait_ready(int c = 0) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        uint8_t status;
        while ((status = inb(kCtl[c])) & kStatusBsy) {
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "device stayed busy";
                break;
            }
            loop.run_once(10'000'000);
        }
        return status;
    }

    // Device register write, then the command.
    void command(int c, uint8_t device, uint8_t cmd) {
        outb(kCmd[c] + kDevice, device);
        outb(kCmd[c] + kCommand, cmd);
    }
    void set_lba28(int c, uint32_t lba, uint8_t count, unsigned unit = 0) {
        outb(kCmd[c] + kCount, count);
        outb(kCmd[c] + kLbaLow, uint8_t(lba));
        outb(kCmd[c] + kLbaMid, uint8_t(lba >> 8));
        outb(kCmd[c] + kLbaHigh, uint8_t(lba >> 16));
        outb(kCmd[c] + kDevice, uint8_t(0xe0 | (unit << 4) | ((lba >> 24) & 0x0f)));
    }
    void set_lba48(int c, uint64_t lba, uint16_t count, unsigned unit = 0) {
        for (int hob = 1; hob >= 0; hob--) {
            outb(kCmd[c] + kCount, uint8_t(count >> (8 * hob)));
            outb(kCmd[c] + kLbaLow, uint8_t(lba >> (24 * hob)));
            outb(kCmd[c] + kLbaMid, uint8_t(lba >> (24 * hob + 8)));
            outb(kCmd[c] + kLbaHigh, uint8_t(lba >> (24 * hob + 16)));
        }
        outb(kCmd[c] + kDevice, uint8_t(0x40 | (unit << 4)));
    }
    // Reads `bytes` from the data register in 16-bit words.
    std::vector<uint8_t> pio_in(int c, size_t bytes) {
        std::vector<uint8_t> out;
        for (size_t i = 0; i < bytes; i += 2) {
            uint16_t w = inw(kCmd[c]);
            out.push_back(uint8_t(w));
            out.push_back(uint8_t(w >> 8));
        }
        return out;
    }
    void pio_out(int c, const uint8_t* data, size_t bytes) {
        for (size_t i = 0; i < bytes; i += 2)
            outw(kCmd[c], uint16_t(data[i] | data[i + 1] << 8));
    }

    // Writes a PRD table at `table` from (address, byte count) pairs, the last one with EOT.
    void prd_table(uint32_t table, std::vector<std::pair<uint32_t, uint32_t>> entries,
                   bool end_of_table = true) {
        for (size_t i = 0; i < entries.size(); i++) {
            uint32_t words[2] = {entries[i].first, entries[i].second & 0xffff};
            if (end_of_table && i + 1 == entries.size()) words[1] |= 0x80000000u;
            std::memcpy(ram.data() + table + 8 * i, words, 8);
        }
    }
    // Bus master register block of channel `c`.
    uint16_t bm(int c, unsigned offset) const { return uint16_t(kBmBase + 8 * c + offset); }
    // Programs the PRD pointer and direction, clearing interrupt and error.
    void bm_setup(int c, uint32_t table, bool to_memory) {
        outl(bm(c, 4), table);
        outb(bm(c, 0), to_memory ? 0x08 : 0x00);
        outb(bm(c, 2), 0x06);
    }
    void bm_start(int c, bool to_memory) { outb(bm(c, 0), to_memory ? 0x09 : 0x01); }
};

// Bytes whose value encodes their offset, so misplaced data shows.
inline std::vector<uint8_t> pattern(size_t n, uint32_t seed = 1) {
    return block::test::random_bytes(n, seed);
}

}  // namespace kemu::ide::test
