#include "hw/pci/i440fx.h"

#include "system/hex.h"

namespace kemu {

namespace {

constexpr PciIdentity kIdentity{
    .vendor = 0x8086, .device = 0x1237, .revision = 0x02, .class_code = 0x060000};

// PAM0 holds only the 0xF0000 segment (high nibble); PAM1-6 hold two segments each.
// In each nibble, bit 0 enables reads from DRAM and bit 1 writes.
constexpr uint8_t kPam0Mask = 0x30;
constexpr uint8_t kPamMask = 0x33;

// SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME, and C_BASE_SEG hard-wired to 010 (0xA0000).
constexpr uint8_t kSmramOpen = 1 << 6;
constexpr uint8_t kSmramClose = 1 << 5;
constexpr uint8_t kSmramLock = 1 << 4;
constexpr uint8_t kSmramEnable = 1 << 3;
constexpr uint8_t kSmramBaseSeg = 0x02;

bool touches(unsigned offset, unsigned size, unsigned first, unsigned count) {
    return offset < first + count && first < offset + size;
}

}  // namespace

I440fx::I440fx(std::string name) : PciDevice(std::move(name), kIdentity) {
    // The host bridge always decodes memory and masters; PCICMD is read-only here.
    init_config_word(pci::kCommand, pci::kCommandMemory | pci::kCommandBusMaster);
    set_write_mask(pci::kCommand, 2, 0);
    init_config_word(pci::kStatus, pci::kStatusFastBackToBack | pci::kStatusDevselMedium);
    set_write_mask(kPam0, 1, kPam0Mask);
    for (unsigned i = 1; i < kPamRegisters; i++)
        set_write_mask(kPam0 + i, 1, kPamMask);
    init_config_byte(kSmram, kSmramBaseSeg);
    set_write_mask(kSmram, 1, kSmramOpen | kSmramClose | kSmramLock | kSmramEnable);
    smram_ = kSmramBaseSeg;
}

void I440fx::reset() {
    PciDevice::reset();
    smram_ = config_byte(kSmram);
    report_pam(true);
}

I440fx::PamRegisters I440fx::pam() const {
    PamRegisters regs;
    for (unsigned i = 0; i < kPamRegisters; i++)
        regs[i] = config_byte(kPam0 + i);
    return regs;
}

void I440fx::config_written(unsigned offset, unsigned size) {
    if (touches(offset, size, kSmram, 1)) apply_smram_write();
    if (touches(offset, size, kPam0, kPamRegisters)) report_pam(false);
}

// Once D_LCK is set, D_OPEN reads 0 and D_LCK, D_OPEN and G_SMRAME are read-only until
// reset; only D_CLS stays writable.
void I440fx::apply_smram_write() {
    uint8_t value = config_byte(kSmram);
    if (smram_ & kSmramLock) {
        value = uint8_t((smram_ & ~kSmramClose) | (value & kSmramClose));
    } else if (value & kSmramLock) {
        value &= uint8_t(~kSmramOpen);
    }
    set_config_byte(kSmram, value);
    smram_ = value;
}

void I440fx::report_pam(bool force) {
    PamRegisters now = pam();
    if (!force && now == reported_pam_) return;
    reported_pam_ = now;
    if (on_pam_change) on_pam_change(now);
}

Result<void> I440fx::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(load_fields(*this, in, version));
    smram_ = config_byte(kSmram);
    report_pam(true);
    return ok();
}

std::string I440fx::describe() const {
    std::string pam_text;
    for (uint8_t v : pam())
        pam_text += (pam_text.empty() ? "" : " ") + hex(v);
    return "pam=" + pam_text + "\nsmram=0x" + hex(smram_);
}

}  // namespace kemu
