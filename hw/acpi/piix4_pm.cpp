#include "hw/acpi/piix4_pm.h"

#include <algorithm>

#include "hw/core/device_state.h"
#include "hw/core/io_ops.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {
namespace {

constexpr int64_t kNsPerSecond = 1000000000;
constexpr uint64_t kTimerMask = 0xffffff;  // 24-bit counter (FADT TMR_VAL_EXT clear)
constexpr unsigned kTimerStatusBit = 23;   // TMR_STS is set whenever this bit changes
constexpr uint16_t kPm1EnableMask =
    AcpiPm::kTmrSts | AcpiPm::kGblSts | AcpiPm::kPwrbtnSts | AcpiPm::kSlpbtnSts | AcpiPm::kRtcSts;
constexpr uint16_t kPm1ControlStored = AcpiPm::kBmRld | AcpiPm::kSlpTypMask;
// The PM1 and GPE0 handlers take byte, word and dword accesses at their natural alignment.
constexpr AccessSizes kAlignedUpToDword{1, 4, false};

// Hands each 16-bit register an access touches its bytes and a mask of which bytes
// the access wrote, so a byte write to a write-1-to-clear register clears only its lane.
template <typename Fn>
void for_each_word(uint64_t offset, uint64_t value, unsigned size, Fn fn) {
    for (unsigned i = 0; i < size;) {
        uint64_t word = (offset + i) & ~uint64_t(1);
        uint16_t bytes = 0, mask = 0;
        for (; i < size && ((offset + i) & ~uint64_t(1)) == word; i++) {
            unsigned lane = unsigned(offset + i) & 1;
            bytes |= uint16_t(((value >> (8 * i)) & 0xff) << (8 * lane));
            mask |= uint16_t(0xff << (8 * lane));
        }
        fn(word, bytes, mask);
    }
}

uint64_t byte_of(uint64_t reg, uint64_t byte_index) {
    return (reg >> (8 * byte_index)) & 0xff;
}

}  // namespace

AcpiPm::AcpiPm(std::string name, TimerQueue& timers)
    : Device(std::move(name)),
      timers_(timers),
      overflow_timer_(timers,
                      [this] {
                          update_timer_status();
                          update_sci();
                          arm_overflow_timer();
                      }),
      pm_region_(MemoryRegion::io(
          "acpi-pm", kPmWindowSize,
          whole_access_ops([this](uint64_t o, unsigned s) { return pm_read(o, s); },
                           [this](uint64_t o, uint64_t v, unsigned s) { pm_write(o, v, s); },
                           kAlignedUpToDword))),
      gpe_region_(MemoryRegion::io(
          "acpi-gpe0", kGpe0WindowSize,
          whole_access_ops([this](uint64_t o, unsigned s) { return gpe_read(o, s); },
                           [this](uint64_t o, uint64_t v, unsigned s) { gpe_write(o, v, s); },
                           kAlignedUpToDword))) {
    reset();
}

void AcpiPm::reset() {
    pm1_sts_ = 0;
    pm1_en_ = 0;
    pm1_cnt_ = kSciEn;
    gpe_sts_ = 0;
    gpe_en_ = 0;
    timer_base_ns_ = timers_.now_ns();
    ticks_checked_ = 0;
    overflow_timer_.cancel();
    update_sci();
}

uint64_t AcpiPm::elapsed_ticks() const {
    auto ns = static_cast<unsigned __int128>(timers_.now_ns() - timer_base_ns_);
    return uint64_t(ns * kTimerHz / kNsPerSecond);
}

void AcpiPm::update_timer_status() {
    uint64_t now = elapsed_ticks();
    if ((now >> kTimerStatusBit) != (ticks_checked_ >> kTimerStatusBit)) pm1_sts_ |= kTmrSts;
    ticks_checked_ = now;
}

// The overflow interrupt needs a wakeup only while TMR_EN is set; otherwise
// TMR_STS is brought up to date when the guest looks at it.
void AcpiPm::arm_overflow_timer() {
    if (!(pm1_en_ & kTmrSts)) {
        overflow_timer_.cancel();
        return;
    }
    unsigned __int128 next = ((elapsed_ticks() >> kTimerStatusBit) + 1) << kTimerStatusBit;
    auto ns = int64_t((next * kNsPerSecond + kTimerHz - 1) / kTimerHz);
    overflow_timer_.arm(timer_base_ns_ + ns);
}

void AcpiPm::update_sci() {
    bool pending = (pm1_sts_ & pm1_en_ & kPm1EnableMask) || (gpe_sts_ & gpe_en_);
    sci_.set(pending && (pm1_cnt_ & kSciEn));
}

void AcpiPm::power_button() {
    pm1_sts_ |= kPwrbtnSts;
    update_sci();
}

void AcpiPm::raise_gpe(unsigned bit) {
    gpe_sts_ |= uint16_t(1u << (bit & 15));
    update_sci();
}

uint64_t AcpiPm::pm_read(uint64_t offset, unsigned size) {
    update_timer_status();
    uint64_t counter = elapsed_ticks() & kTimerMask;
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t off = offset + i;
        uint64_t b = 0;
        if (off < kPm1Enable)
            b = byte_of(pm1_sts_, off - kPm1Status);
        else if (off < kPm1Control)
            b = byte_of(pm1_en_, off - kPm1Enable);
        else if (off < kPm1Control + 2)
            b = byte_of(pm1_cnt_, off - kPm1Control);
        else if (off >= kPmTimer && off < kPmTimer + 4)
            b = byte_of(counter, off - kPmTimer);
        else
            log_unimp("%s: read of unimplemented PM register 0x%llx", name().c_str(),
                      (unsigned long long)off);
        value |= b << (8 * i);
    }
    return value;
}

void AcpiPm::pm_write(uint64_t offset, uint64_t value, unsigned size) {
    update_timer_status();
    for_each_word(offset, value, size, [this](uint64_t word, uint16_t v, uint16_t mask) {
        pm_write_word(word, v, mask);
    });
    update_sci();
}

void AcpiPm::pm_write_word(uint64_t offset, uint16_t value, uint16_t byte_mask) {
    uint16_t written = value & byte_mask;
    switch (offset) {
        case kPm1Status:
            pm1_sts_ &= ~written;
            return;
        case kPm1Enable:
            pm1_en_ = uint16_t((pm1_en_ & ~byte_mask) | (written & kPm1EnableMask));
            arm_overflow_timer();
            return;
        case kPm1Control: {
            uint16_t stored = uint16_t((pm1_cnt_ & ~byte_mask) | written) & kPm1ControlStored;
            pm1_cnt_ = stored | kSciEn;  // no SMI_CMD: ACPI mode is permanent
            if (!(written & kSlpEn)) return;
            unsigned slp_typ = (stored & kSlpTypMask) >> kSlpTypShift;
            if (slp_typ == kSlpTypSoftOff) {
                if (on_poweroff) on_poweroff();
            } else {
                log_unimp("%s: sleep state SLP_TYP=%u not implemented", name().c_str(), slp_typ);
            }
            return;
        }
        case kPmTimer:
        case kPmTimer + 2:
            log_guest_error("%s: write to the read-only PM timer", name().c_str());
            return;
        default:
            log_unimp("%s: write to unimplemented PM register 0x%llx", name().c_str(),
                      (unsigned long long)offset);
    }
}

uint64_t AcpiPm::gpe_read(uint64_t offset, unsigned size) const {
    uint32_t regs = uint32_t(gpe_en_) << 16 | gpe_sts_;
    return (regs >> (8 * offset)) & ((1ull << (8 * size)) - 1);
}

void AcpiPm::gpe_write(uint64_t offset, uint64_t value, unsigned size) {
    for_each_word(offset, value, size, [this](uint64_t word, uint16_t v, uint16_t mask) {
        if (word == kGpe0Status)
            gpe_sts_ &= uint16_t(~(v & mask));
        else
            gpe_en_ = uint16_t((gpe_en_ & ~mask) | (v & mask));
    });
    update_sci();
}

void AcpiPm::save(StateWriter& out) const {
    uint64_t elapsed_ns = uint64_t(timers_.now_ns() - timer_base_ns_);
    state_fields(*this, out, elapsed_ns);
}

Result<void> AcpiPm::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    uint64_t elapsed_ns = 0;
    state_fields(*this, in, elapsed_ns);
    pm1_en_ &= kPm1EnableMask;
    pm1_cnt_ = (pm1_cnt_ & kPm1ControlStored) | kSciEn;
    KEMU_TRY_VOID(finish_load(*this, in));
    // The counter keeps running from where it was, whatever the new clock reads. The
    // clamp keeps a corrupt stream from overflowing the base (2^62 ns is 146 years).
    timer_base_ns_ = timers_.now_ns() - int64_t(std::min<uint64_t>(elapsed_ns, 1ull << 62));
    arm_overflow_timer();
    update_sci();
    return ok();
}

std::string AcpiPm::describe() const {
    return "pm1_sts=0x" + hex(pm1_sts_) + " pm1_en=0x" + hex(pm1_en_) + " pm1_cnt=0x" +
           hex(pm1_cnt_) + "\ngpe0_sts=0x" + hex(gpe_sts_) + " gpe0_en=0x" + hex(gpe_en_) +
           "\nsci=" + (sci_.level() ? "1" : "0");
}

}  // namespace kemu
