#include "target-x86/tcg/x87_host.h"

#include "target-x86/tcg/x87.h"

namespace kemu::x86::x87 {

void enter_live(CpuEnv& e) {
    if (e.x87_live) return;
    HostImage image = to_live_image(e.s.fpu);
    e.x87_host_control = tcg::host_x87_load(image.data());
    e.x87_live = 1;
}

void leave_live(CpuEnv& e) {
    if (!e.x87_live) return;
    HostImage image;
    tcg::host_x87_save(image.data(), e.x87_host_control);
    e.x87_live = 0;
    from_live_image(e.s.fpu, image);
}

void run_on_host(uint8_t escape, uint8_t modrm, HostImage& image, uint8_t* mem, uint8_t& flags) {
    uint16_t host_control = tcg::host_x87_load(image.data());
    tcg::run_host_x87(tcg::host_x87_insn(escape, modrm), mem, flags);
    tcg::host_x87_save(image.data(), host_control);
}

}  // namespace kemu::x86::x87
