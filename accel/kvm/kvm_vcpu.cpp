#include "accel/kvm/kvm_vcpu.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "accel/kvm/kvm_state.h"
#include "system/hex.h"
#include "system/log.h"
#include "target-x86/cpu_dump.h"
#include "target-x86/mmu.h"

namespace kemu {

namespace {

// Kicks interrupt KVM_RUN with this signal; the handler exists only so the
// signal is not fatal and KVM_RUN returns EINTR.
constexpr int kKickSignal = SIGUSR1;

void install_kick_handler() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        sigemptyset(&sa.sa_mask);
        sigaction(kKickSignal, &sa, nullptr);
        return true;
    }();
    (void)installed;
}

std::string errno_text() {
    return std::strerror(errno);
}

// struct kvm_msrs followed by one entry per MSR X86CpuState carries.
class MsrBuffer {
  public:
    MsrBuffer() : bytes_(sizeof(kvm_msrs) + std::size(kStateMsrs) * sizeof(kvm_msr_entry)) {
        get()->nmsrs = std::size(kStateMsrs);
    }
    kvm_msrs* get() { return reinterpret_cast<kvm_msrs*>(bytes_.data()); }
    kvm_msr_entry& entry(size_t i) { return get()->entries[i]; }

  private:
    std::vector<uint8_t> bytes_;
};

constexpr const char* kEmulationSuberrors[] = {
    "unknown",        "emulation failure",      "simultaneous exception",
    "delivery event", "unexpected exit reason",
};

}  // namespace

Result<std::unique_ptr<VcpuBackend>> KvmVcpu::create(int vm_fd, unsigned index, size_t mmap_size,
                                                     const CpuidTable& cpuid,
                                                     const VcpuContext& context,
                                                     std::atomic<uint64_t>& exit_counter) {
    install_kick_handler();
    const CpuidEntry* leaf1 = cpuid.find(1);
    uint32_t apic_id = leaf1 ? leaf1->regs[EBX] >> 24 : index;
    // KVM's vcpu id is the initial APIC ID the in-kernel LAPIC reports.
    UniqueFd fd(ioctl(vm_fd, KVM_CREATE_VCPU, apic_id));
    if (!fd.valid())
        return Error("KVM_CREATE_VCPU " + std::to_string(index) + " failed: " + errno_text());
    void* run = mmap(nullptr, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (run == MAP_FAILED) return Error("mmap of the KVM vcpu area failed: " + errno_text());
    MappedRegion run_map(run, mmap_size);

    std::vector<uint8_t> buf(sizeof(kvm_cpuid2) + cpuid.entries.size() * sizeof(kvm_cpuid_entry2));
    auto* k = reinterpret_cast<kvm_cpuid2*>(buf.data());
    k->nent = uint32_t(cpuid.entries.size());
    for (size_t i = 0; i < cpuid.entries.size(); i++) {
        const CpuidEntry& e = cpuid.entries[i];
        kvm_cpuid_entry2& out = k->entries[i];
        out.function = e.function;
        out.index = e.index;
        out.flags = e.indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
        out.eax = e.regs[EAX];
        out.ebx = e.regs[EBX];
        out.ecx = e.regs[ECX];
        out.edx = e.regs[EDX];
    }
    if (ioctl(fd.get(), KVM_SET_CPUID2, k) < 0)
        return Error("KVM_SET_CPUID2 failed: " + errno_text());
    return std::unique_ptr<VcpuBackend>(
        new KvmVcpu(std::move(fd), std::move(run_map), apic_id, context, exit_counter));
}

void KvmVcpu::kick() {
    kick_pending_ = true;
    run_struct()->immediate_exit = 1;
    if (thread_known_) pthread_kill(thread_, kKickSignal);
}

// A kick may land at any point: before the check (seen by the exchange), between
// the check and KVM_RUN (immediate_exit makes KVM_RUN return at once), or inside
// KVM_RUN (the signal makes it return EINTR).
VcpuExit KvmVcpu::run() {
    if (!thread_known_) {
        thread_ = pthread_self();
        thread_known_ = true;
    }
    kvm_run* run = run_struct();
    for (;;) {
        run->immediate_exit = 0;
        if (kick_pending_.exchange(false)) return VcpuExit::Interrupted;
        int ret = ioctl(fd_.get(), KVM_RUN, 0);
        exit_counter_.fetch_add(1, std::memory_order_relaxed);
        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) return VcpuExit::Interrupted;
            last_error_ = describe_failure("KVM_RUN failed: " + errno_text());
            return VcpuExit::InternalError;
        }
        switch (run->exit_reason) {
            case KVM_EXIT_IO:
                handle_io();
                break;
            case KVM_EXIT_MMIO:
                handle_mmio();
                break;
            case KVM_EXIT_HLT:
                return VcpuExit::Halted;
            case KVM_EXIT_SHUTDOWN:
                return VcpuExit::TripleFault;
            case KVM_EXIT_INTR:
                return VcpuExit::Interrupted;
            case KVM_EXIT_SYSTEM_EVENT:
                if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) return VcpuExit::ResetRequest;
                if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) return VcpuExit::PowerOff;
                last_error_ =
                    describe_failure("KVM system event " + std::to_string(run->system_event.type));
                return VcpuExit::InternalError;
            case KVM_EXIT_INTERNAL_ERROR: {
                unsigned sub = run->internal.suberror;
                const char* name =
                    sub < std::size(kEmulationSuberrors) ? kEmulationSuberrors[sub] : "unknown";
                last_error_ = describe_failure(
                    "KVM internal error. Suberror: " + std::to_string(sub) + " (" + name + ")");
                return VcpuExit::InternalError;
            }
            case KVM_EXIT_FAIL_ENTRY:
                last_error_ = describe_failure("KVM: entry failed, hardware error 0x" +
                                               hex(run->fail_entry.hardware_entry_failure_reason));
                return VcpuExit::InternalError;
            default:
                last_error_ = describe_failure("KVM: unhandled exit reason " +
                                               std::to_string(run->exit_reason));
                return VcpuExit::InternalError;
        }
    }
}

void KvmVcpu::handle_io() {
    kvm_run* run = run_struct();
    uint8_t* data = reinterpret_cast<uint8_t*>(run) + run->io.data_offset;
    unsigned size = run->io.size;
    std::lock_guard<std::mutex> lock(context_.machine_lock);
    // String I/O (rep ins/outs) arrives as `count` consecutive items.
    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            std::memcpy(&value, data, size);
            (void)context_.io.write(run->io.port, size, value);
        } else {
            (void)context_.io.read(run->io.port, size, &value);
            std::memcpy(data, &value, size);
        }
    }
}

void KvmVcpu::handle_mmio() {
    kvm_run* run = run_struct();
    unsigned size = std::min<unsigned>(run->mmio.len, 8);
    std::lock_guard<std::mutex> lock(context_.machine_lock);
    uint64_t value = 0;
    if (run->mmio.is_write) {
        std::memcpy(&value, run->mmio.data, size);
        (void)context_.memory.write(run->mmio.phys_addr, size, value);
    } else {
        (void)context_.memory.read(run->mmio.phys_addr, size, &value);
        std::memcpy(run->mmio.data, &value, size);
    }
}

// The failure line, the code bytes at CS:RIP and a register dump, as the monitor
// and the console show them when the VM is paused on an internal error.
std::string KvmVcpu::describe_failure(const std::string& reason) {
    std::string out = reason + "\n";
    X86CpuState s;
    if (!get_state(s).ok()) return out;
    uint64_t linear = s.seg[CS].base + s.rip;
    std::lock_guard<std::mutex> lock(context_.machine_lock);
    auto read_phys = [this](uint64_t pa, unsigned size) -> std::optional<uint64_t> {
        uint64_t v = 0;
        if (context_.memory.read(pa, size, &v) != MemTxResult::Ok) return std::nullopt;
        return v;
    };
    if (auto pa = debug_translate(s, linear, read_phys)) {
        out += "Code=";
        for (unsigned i = 0; i < 16; i++) {
            uint64_t b = 0;
            (void)context_.memory.read(*pa + i, 1, &b);
            out += (i ? " " : "") + std::string(b < 16 ? "0" : "") + hex(b);
        }
        out += "\n";
    }
    return out + format_cpu_state(s);
}

Result<void> KvmVcpu::get_state(X86CpuState& s) {
    kvm_regs regs;
    kvm_sregs sregs;
    kvm_fpu fpu;
    kvm_mp_state mp;
    kvm_debugregs debug;
    if (ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0 || ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0 ||
        ioctl(fd_.get(), KVM_GET_FPU, &fpu) < 0 || ioctl(fd_.get(), KVM_GET_MP_STATE, &mp) < 0 ||
        ioctl(fd_.get(), KVM_GET_DEBUGREGS, &debug) < 0)
        return Error("reading vCPU state failed: " + errno_text());
    regs_from_kvm(regs, s);
    sregs_from_kvm(sregs, s);
    fpu_from_kvm(fpu, s);
    for (unsigned i = 0; i < 4; i++)
        s.dr[i] = debug.db[i];
    s.dr[6] = debug.dr6;
    s.dr[7] = debug.dr7;
    s.mp_state =
        mp.mp_state == KVM_MP_STATE_HALTED ? MpState::Halted
        : mp.mp_state == KVM_MP_STATE_UNINITIALIZED || mp.mp_state == KVM_MP_STATE_INIT_RECEIVED
            ? MpState::WaitForSipi
            : MpState::Runnable;

    MsrBuffer msrs;
    for (size_t i = 0; i < std::size(kStateMsrs); i++)
        msrs.entry(i).index = kStateMsrs[i].index;
    int n = ioctl(fd_.get(), KVM_GET_MSRS, msrs.get());
    for (int i = 0; i < n; i++)
        s.msr.*kStateMsrs[i].field = msrs.entry(i).data;

    kvm_lapic_state lapic;
    if (ioctl(fd_.get(), KVM_GET_LAPIC, &lapic) == 0) {
        std::memcpy(s.lapic.data(), lapic.regs, sizeof lapic.regs);
        s.lapic_valid = true;
    }
    return ok();
}

Result<void> KvmVcpu::put_state(const X86CpuState& s) {
    kvm_sregs current;
    if (ioctl(fd_.get(), KVM_GET_SREGS, &current) < 0)
        return Error("KVM_GET_SREGS failed: " + errno_text());
    kvm_regs regs = regs_to_kvm(s);
    kvm_sregs sregs = sregs_to_kvm(s, current);
    kvm_fpu fpu = fpu_to_kvm(s);
    kvm_debugregs debug{};
    for (unsigned i = 0; i < 4; i++)
        debug.db[i] = s.dr[i];
    debug.dr6 = s.dr[6] ? s.dr[6] : 0xffff0ff0;
    debug.dr7 = s.dr[7] ? s.dr[7] : 0x400;
    if (ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0 || ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0 ||
        ioctl(fd_.get(), KVM_SET_FPU, &fpu) < 0 || ioctl(fd_.get(), KVM_SET_DEBUGREGS, &debug) < 0)
        return Error("writing vCPU state failed: " + errno_text());

    MsrBuffer msrs;
    for (size_t i = 0; i < std::size(kStateMsrs); i++) {
        msrs.entry(i).index = kStateMsrs[i].index;
        msrs.entry(i).data = s.msr.*kStateMsrs[i].field;
    }
    if (ioctl(fd_.get(), KVM_SET_MSRS, msrs.get()) != int(std::size(kStateMsrs)))
        return Error("KVM_SET_MSRS failed");

    kvm_lapic_state lapic;
    if (ioctl(fd_.get(), KVM_GET_LAPIC, &lapic) < 0)
        return Error("KVM_GET_LAPIC failed: " + errno_text());
    bool is_bsp = s.apic_base & (1u << 8);
    if (s.lapic_valid)
        std::memcpy(lapic.regs, s.lapic.data(), sizeof lapic.regs);
    else
        reset_lapic_page(reinterpret_cast<uint8_t(&)[1024]>(lapic.regs), apic_id_, is_bsp);
    if (ioctl(fd_.get(), KVM_SET_LAPIC, &lapic) < 0)
        return Error("KVM_SET_LAPIC failed: " + errno_text());

    kvm_mp_state mp{};
    mp.mp_state = s.mp_state == MpState::Halted        ? KVM_MP_STATE_HALTED
                  : s.mp_state == MpState::WaitForSipi ? KVM_MP_STATE_INIT_RECEIVED
                                                       : KVM_MP_STATE_RUNNABLE;
    if (ioctl(fd_.get(), KVM_SET_MP_STATE, &mp) < 0)
        return Error("KVM_SET_MP_STATE failed: " + errno_text());
    return ok();
}

}  // namespace kemu
