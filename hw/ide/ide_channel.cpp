#include "hw/ide/ide_channel.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu::ide {

namespace {

enum CommandBlock : unsigned {
    kData = 0,
    kErrorFeature = 1,
    kCount = 2,
    kLbaLow = 3,
    kLbaMid = 4,
    kLbaHigh = 5,
    kDevice = 6,
    kStatusCommand = 7,
};
constexpr unsigned kCommandBlockSize = 8;

// Device control register.
constexpr uint8_t kControlNien = 0x02;
constexpr uint8_t kControlSrst = 0x04;
constexpr uint8_t kControlHob = 0x80;

constexpr uint8_t kCmdDeviceReset = 0x08;
constexpr uint8_t kCmdExecuteDeviceDiagnostic = 0x90;

// Diagnostic code in the error register after reset: device 0 passed, device 1 passed or absent.
constexpr uint8_t kDiagnosticPassed = 0x01;

}  // namespace

TaskFile& IdeDevice::tf() {
    return channel_->task_file(unit_);
}

void IdeDevice::load_signature() {
    TaskFile& t = tf();
    t.count = 1;
    t.lba_low = 1;
    t.lba_mid = is_packet_device() ? 0x14 : 0x00;
    t.lba_high = is_packet_device() ? 0xeb : 0x00;
    t.device = 0;
    t.error = kDiagnosticPassed;
    // An ATAPI device leaves DRDY clear until it has seen a command (ATA/ATAPI-6 9.12).
    t.status = is_packet_device() ? 0 : kStatusReady;
}

void IdeDevice::finish(uint8_t status, uint8_t error) {
    tf().status = status;
    tf().error = error;
    interrupt();
}

void IdeDevice::set_busy() {
    tf().status = kStatusBsy;
}

void IdeDevice::pio(std::span<uint8_t> data, bool to_host, bool interrupt_host,
                    std::function<void()> done) {
    channel_->start_pio(unit_, data, to_host, std::move(done));
    if (interrupt_host) interrupt();
}

void IdeDevice::dma(std::span<uint8_t> data, bool to_memory, std::function<void(bool)> done) {
    channel_->start_dma(unit_, data, to_memory, std::move(done));
}

void IdeDevice::interrupt() {
    channel_->device_interrupt(unit_);
}

IdeChannel::IdeChannel(std::string name, unsigned irq_number)
    : Device(std::move(name)),
      irq_number_(irq_number),
      command_block_(MemoryRegion::io(
          this->name() + "-cmd", kCommandBlockSize,
          IoOps{
              .read = [this](uint64_t offset,
                             unsigned size) { return read_command_block(unsigned(offset), size); },
              .write = [this](
                           uint64_t offset, uint64_t value,
                           unsigned size) { write_command_block(unsigned(offset), value, size); },
              .valid = {1, 4, true},
              .impl = {1, 4, true},
          })),
      control_block_(
          MemoryRegion::io(this->name() + "-ctl", 1,
                           IoOps{
                               .read = [this](uint64_t, unsigned) { return status_of_selected(); },
                               .write = [this](uint64_t, uint64_t value,
                                               unsigned) { write_device_control(uint8_t(value)); },
                               .valid = {1, 1, false},
                               .impl = {1, 1, false},
                           })) {
    reset();
}

void IdeChannel::attach(unsigned unit, IdeDevice* device) {
    cancel_transfers(unit);
    devices_[unit] = device;
    if (device) {
        device->attach(this, unit);
        device->soft_reset();
    }
}

void IdeChannel::reset() {
    device_control_ = 0;
    irq_pending_ = {};
    cancel_transfers(0);
    cancel_transfers(1);
    reset_devices();
    update_irq();
}

void IdeChannel::reset_devices() {
    for (unsigned unit = 0; unit < 2; unit++) {
        if (devices_[unit])
            devices_[unit]->soft_reset();
        else
            tf_[unit] = TaskFile{};
    }
    tf_[0].device = tf_[1].device = 0;
}

void IdeChannel::cancel_transfers(unsigned unit) {
    if (pio_.active && pio_.unit == unit) pio_ = PioPhase{};
    if (dma_.active && dma_.unit == unit) dma_ = DmaPhase{};
}

uint8_t IdeChannel::status_of_selected() const {
    if (!devices_[selected()]) return 0;
    if (device_control_ & kControlSrst) return kStatusBsy;
    return tf_[selected()].status;
}

uint64_t IdeChannel::read_command_block(unsigned offset, unsigned size) {
    if (!has_devices()) return 0;
    if (offset == kData) return read_data(size);
    uint64_t value = 0;
    for (unsigned i = 0; i < size && offset + i < kCommandBlockSize; i++)
        value |= uint64_t(read_register(offset + i)) << (8 * i);
    return value;
}

void IdeChannel::write_command_block(unsigned offset, uint64_t value, unsigned size) {
    if (offset == kData) {
        if (has_devices()) write_data(uint32_t(value), size);
        return;
    }
    for (unsigned i = 0; i < size && offset + i < kCommandBlockSize; i++)
        write_register(offset + i, uint8_t(value >> (8 * i)));
}

// An absent device reads as 00h in every register but Device, whose select bit reads back
// (drivers check it before probing). Drivers then see no device at all: the written test
// patterns do not read back (SeaBIOS, Linux's ata_devchk), and the signature 00/00 with
// status 00h is "no device" to Linux's ata_sff_dev_classify. A signature it cannot classify
// would have it log "found unknown device" for every channel without a slave.
uint8_t IdeChannel::read_register(unsigned offset) {
    const TaskFile& t = tf_[selected()];
    if (!devices_[selected()] && offset != kDevice) return 0;
    bool hob = device_control_ & kControlHob;
    switch (offset) {
        case kErrorFeature:
            return t.error;
        case kCount:
            return hob ? t.hob_count : t.count;
        case kLbaLow:
            return hob ? t.hob_lba_low : t.lba_low;
        case kLbaMid:
            return hob ? t.hob_lba_mid : t.lba_mid;
        case kLbaHigh:
            return hob ? t.hob_lba_high : t.lba_high;
        case kDevice:
            return t.device;
        default: {
            uint8_t status = status_of_selected();
            irq_pending_[selected()] = false;
            update_irq();
            return status;
        }
    }
}

void IdeChannel::write_register(unsigned offset, uint8_t value) {
    if (offset == kStatusCommand) {
        write_command(value);
        return;
    }
    // Every write to the command block clears HOB (ATA/ATAPI-6 7.9).
    device_control_ &= ~kControlHob;
    for (TaskFile& t : tf_) {
        switch (offset) {
            case kErrorFeature:
                t.hob_feature = std::exchange(t.feature, value);
                break;
            case kCount:
                t.hob_count = std::exchange(t.count, value);
                break;
            case kLbaLow:
                t.hob_lba_low = std::exchange(t.lba_low, value);
                break;
            case kLbaMid:
                t.hob_lba_mid = std::exchange(t.lba_mid, value);
                break;
            case kLbaHigh:
                t.hob_lba_high = std::exchange(t.lba_high, value);
                break;
            default:
                t.device = value;
                break;
        }
    }
    if (offset == kDevice) update_irq();
}

void IdeChannel::write_command(uint8_t command) {
    if (command == kCmdExecuteDeviceDiagnostic) {
        execute_device_diagnostic();
        return;
    }
    unsigned unit = selected();
    IdeDevice* device = devices_[unit];
    if (!device) return;  // nobody latches a command for a missing device
    uint8_t status = tf_[unit].status;
    bool packet_reset = command == kCmdDeviceReset && device->is_packet_device();
    if ((status & (kStatusBsy | kStatusDrq)) && !packet_reset) {
        log_guest_error("%s: command %02x while busy (status %02x) ignored\n", name().c_str(),
                        command, status);
        return;
    }
    if (packet_reset) cancel_transfers(unit);
    irq_pending_[unit] = false;
    update_irq();
    device->execute(command);
}

void IdeChannel::execute_device_diagnostic() {
    cancel_transfers(0);
    cancel_transfers(1);
    irq_pending_ = {};
    reset_devices();
    update_irq();
    if (devices_[0]) device_interrupt(0);
}

void IdeChannel::write_device_control(uint8_t value) {
    bool srst_rising = (value & kControlSrst) && !(device_control_ & kControlSrst);
    device_control_ = value;
    if (srst_rising) {
        cancel_transfers(0);
        cancel_transfers(1);
        irq_pending_ = {};
        reset_devices();
    }
    update_irq();
}

uint32_t IdeChannel::read_data(unsigned size) {
    if (!pio_.active || !pio_.to_host || pio_.unit != selected()) {
        log_guest_error("%s: data register read without a data-in phase\n", name().c_str());
        return 0xffffffff;
    }
    unsigned n = unsigned(std::min<size_t>(size, pio_.data.size() - pio_.pos));
    uint32_t value = 0;
    std::memcpy(&value, pio_.data.data() + pio_.pos, n);
    pio_advance(n);
    return value;
}

void IdeChannel::write_data(uint32_t value, unsigned size) {
    if (!pio_.active || pio_.to_host || pio_.unit != selected()) {
        log_guest_error("%s: data register write without a data-out phase\n", name().c_str());
        return;
    }
    unsigned n = unsigned(std::min<size_t>(size, pio_.data.size() - pio_.pos));
    std::memcpy(pio_.data.data() + pio_.pos, &value, n);
    pio_advance(n);
}

void IdeChannel::pio_advance(unsigned bytes) {
    pio_.pos += bytes;
    if (pio_.pos < pio_.data.size()) return;
    // The device continues (next block, completion or a backend request) from here.
    auto done = std::move(pio_.done);
    unsigned unit = pio_.unit;
    pio_ = PioPhase{};
    tf_[unit].status = kStatusBsy;
    done();
}

void IdeChannel::start_pio(unsigned unit, std::span<uint8_t> data, bool to_host,
                           std::function<void()> done) {
    pio_ = PioPhase{.active = true,
                    .unit = unit,
                    .to_host = to_host,
                    .data = data,
                    .pos = 0,
                    .done = std::move(done)};
    tf_[unit].status = kStatusReady | kStatusDrq;
}

void IdeChannel::start_dma(unsigned unit, std::span<uint8_t> data, bool to_memory,
                           std::function<void(bool)> done) {
    dma_ = DmaPhase{.active = true,
                    .unit = unit,
                    .to_memory = to_memory,
                    .data = data,
                    .done = std::move(done)};
    tf_[unit].status = kStatusReady | kStatusDrq;
    run_pending_dma();
}

void IdeChannel::dma_engine_started() {
    run_pending_dma();
}

void IdeChannel::run_pending_dma() {
    if (!dma_.active) return;
    bool ok = false;
    if (dma_engine_) {
        if (!dma_engine_->running()) return;  // the guest starts the engine later
        ok = dma_engine_->transfer(dma_.data, dma_.to_memory);
    } else {
        log_guest_error("%s: DMA command on a channel without a bus master\n", name().c_str());
    }
    auto done = std::move(dma_.done);
    tf_[dma_.unit].status = kStatusBsy;
    dma_ = DmaPhase{};
    done(ok);
}

void IdeChannel::device_interrupt(unsigned unit) {
    irq_pending_[unit] = true;
    // The bus master's interrupt bit is set before the guest can see the line: a handler
    // checks it to tell its interrupt from a shared one.
    bool drives_line = unit == selected() && !(device_control_ & kControlNien);
    if (drives_line && dma_engine_) dma_engine_->device_interrupt();
    update_irq();
}

void IdeChannel::update_irq() {
    unsigned unit = selected();
    irq_.set(devices_[unit] && irq_pending_[unit] && !(device_control_ & kControlNien));
}

void IdeChannel::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> IdeChannel::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    pio_ = PioPhase{};
    dma_ = DmaPhase{};
    KEMU_TRY_VOID(finish_load(*this, in));
    update_irq();
    return ok();
}

std::string IdeChannel::describe() const {
    return "irq " + std::to_string(irq_number_);
}

}  // namespace kemu::ide
