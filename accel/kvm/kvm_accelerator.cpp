#include "accel/kvm/kvm_accelerator.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "accel/kvm/kvm_vcpu.h"
#include "hw/i386/pc_layout.h"
#include "system/log.h"

namespace kemu {

namespace {

struct RequiredCap {
    int cap;
    const char* name;
    const char* why;
};

constexpr RequiredCap kRequiredCaps[] = {
#define KVM_REQUIRED_CAP(cap, why) {cap, #cap, why},
#include "accel/kvm/kvm_caps.def"
#undef KVM_REQUIRED_CAP
};

// Below the BIOS ROM, where QEMU also puts them: three pages for the Intel real-mode TSS
// and one for the identity map EPT needs for unrestricted-guest-less real mode.
constexpr uint64_t kTssAddr = 0xfeffd000;
constexpr uint64_t kIdentityMapAddr = 0xfeffc000;

std::string errno_text(int err) {
    return std::strerror(err);
}

// CPUID registers that carry feature bits and are filtered against KVM's support.
struct FeatureWord {
    uint32_t function, index;
    CpuidReg reg;
};
constexpr FeatureWord kFeatureWords[] = {
    {1, 0, ECX}, {1, 0, EDX},          {7, 0, EBX},          {7, 0, ECX},
    {7, 0, EDX}, {0x80000001, 0, ECX}, {0x80000001, 0, EDX},
};

CpuidEntry from_kvm(const kvm_cpuid_entry2& k) {
    return {k.function,
            k.index,
            (k.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0,
            {k.eax, k.ebx, k.ecx, k.edx}};
}

}  // namespace

Result<void> KvmAccelerator::init(const AcceleratorConfig& config) {
    if (!config.kernel_irqchip)
        return Error(
            "kernel_irqchip=off needs userspace interrupt controllers, which kemu does not have "
            "yet");
    cpus_ = config.cpus;
    kvm_.reset(open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm_.valid()) return Error("Could not access KVM kernel module: " + errno_text(errno));
    int api = ioctl(kvm_.get(), KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION)
        return Error("KVM API version " + std::to_string(api) + " is not the supported version " +
                     std::to_string(KVM_API_VERSION));
    for (const RequiredCap& c : kRequiredCaps)
        if (ioctl(kvm_.get(), KVM_CHECK_EXTENSION, c.cap) <= 0)
            return Error(std::string("host KVM lacks ") + c.name + " (" + c.why + ")");
    readonly_mem_ = ioctl(kvm_.get(), KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
    int max_vcpus = ioctl(kvm_.get(), KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max_vcpus > 0 && config.cpus > unsigned(max_vcpus))
        return Error("Number of SMP cpus requested (" + std::to_string(config.cpus) +
                     ") exceeds the maximum cpus supported by KVM (" + std::to_string(max_vcpus) +
                     ")");
    int nslots = ioctl(kvm_.get(), KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    for (int i = std::max(nslots, 32) - 1; i >= 0; i--)
        free_slot_ids_.push_back(uint32_t(i));

    int mmap_size = ioctl(kvm_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size <= 0) return Error("KVM_GET_VCPU_MMAP_SIZE failed: " + errno_text(errno));
    vcpu_mmap_size_ = size_t(mmap_size);

    vm_.reset(ioctl(kvm_.get(), KVM_CREATE_VM, 0));
    if (!vm_.valid()) return Error("KVM_CREATE_VM failed: " + errno_text(errno));
    if (ioctl(vm_.get(), KVM_SET_TSS_ADDR, kTssAddr) < 0)
        return Error("KVM_SET_TSS_ADDR failed: " + errno_text(errno));
    uint64_t identity = kIdentityMapAddr;
    if (ioctl(kvm_.get(), KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
        ioctl(vm_.get(), KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
        return Error("KVM_SET_IDENTITY_MAP_ADDR failed: " + errno_text(errno));
    for (int nent = 128;; nent *= 2) {
        std::vector<uint8_t> buf(sizeof(kvm_cpuid2) + nent * sizeof(kvm_cpuid_entry2));
        auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buf.data());
        cpuid->nent = uint32_t(nent);
        if (ioctl(kvm_.get(), KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
            supported_cpuid_.assign(cpuid->entries, cpuid->entries + cpuid->nent);
            break;
        }
        if (errno != E2BIG || nent > 4096)
            return Error("KVM_GET_SUPPORTED_CPUID failed: " + errno_text(errno));
    }
    return ok();
}

// After the first memslots, not in init(): creating the irqchip and PIT registers I/O buses
// and leaves an SRCU grace period in flight, and the next memslot change waits for it -
// 6.4 ms measured on this host. Memslots set first cost 0.1 ms, and nothing after them
// waits for the grace period.
Result<void> KvmAccelerator::create_platform() {
    if (ioctl(vm_.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        return Error("KVM_CREATE_IRQCHIP failed: " + errno_text(errno));
    kvm_pit_config pit{};
    pit.flags = KVM_PIT_SPEAKER_DUMMY;  // the kernel also answers port 0x61
    if (ioctl(vm_.get(), KVM_CREATE_PIT2, &pit) < 0)
        return Error("KVM_CREATE_PIT2 failed: " + errno_text(errno));
    platform_created_ = true;
    reset_platform();
    return ok();
}

IrqLine::Sink KvmAccelerator::irqchip_input(unsigned gsi) {
    int vm = vm_.get();
    return [vm, gsi](bool level) {
        kvm_irq_level irq{};
        irq.irq = gsi;
        irq.level = level ? 1 : 0;
        if (ioctl(vm, KVM_IRQ_LINE, &irq) < 0)
            log_host_error("KVM_IRQ_LINE %u failed: %s", gsi, std::strerror(errno));
    };
}

Result<CpuidTable> KvmAccelerator::cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                             const CpuFeatureEdits& edits) {
    CpuidTable supported;
    for (const kvm_cpuid_entry2& k : supported_cpuid_)
        supported.entries.push_back(from_kvm(k));

    CpuidTable table;
    if (model.passthrough) {
        table = supported;
        std::erase_if(table.entries, [](const CpuidEntry& e) {
            return e.function == 4 || e.function == 0xb || e.function == 0x1f;
        });
        CpuidTable topo = build_model_cpuid(*find_cpu_model("qemu64"), {}, topology);
        for (const CpuidEntry& e : topo.entries)
            if (e.function == 4 || e.function == 0xb) table.entries.push_back(e);
        if (CpuidEntry* l1 = table.find(1)) {
            const CpuidEntry* t1 = topo.find(1);
            l1->regs[EBX] = (l1->regs[EBX] & 0xff00ffff) | (t1->regs[EBX] & 0x00ff0000);
            l1->regs[EDX] = (l1->regs[EDX] & ~(1u << 28)) | (t1->regs[EDX] & (1u << 28));
        }
        for (const CpuFeature* f : edits.add)
            if (CpuidEntry* e = table.find(f->leaf, f->subleaf)) e->regs[f->reg] |= 1u << f->bit;
        for (const CpuFeature* f : edits.remove)
            if (CpuidEntry* e = table.find(f->leaf, f->subleaf)) e->regs[f->reg] &= ~(1u << f->bit);
    } else {
        table = build_model_cpuid(model, edits, topology);
        // Leaves the model does not describe but KVM provides: XSAVE layout, KVM's own leaves.
        for (const CpuidEntry& e : supported.entries)
            if ((e.function == 0xd || (e.function >= 0x40000000 && e.function < 0x40000100)) &&
                !table.find(e.function, e.index))
                table.entries.push_back(e);
    }
    for (const FeatureWord& w : kFeatureWords) {
        CpuidEntry* e = table.find(w.function, w.index);
        if (!e) continue;
        const CpuidEntry* s = supported.find(w.function, w.index);
        uint32_t allowed = s ? s->regs[w.reg] : 0;
        if (w.function == 1 && w.reg == ECX) allowed |= 1u << 31;  // we are the hypervisor
        if (w.function == 1 && w.reg == EDX) allowed |= 1u << 28;  // HTT describes our topology
        uint32_t dropped = e->regs[w.reg] & ~allowed;
        for (const CpuFeature& f : cpu_features())
            if (f.leaf == w.function && f.subleaf == w.index && f.reg == w.reg &&
                (dropped >> f.bit & 1))
                log_host_warning("host doesn't support requested feature: %s", f.name);
        e->regs[w.reg] &= allowed;
    }
    if (CpuidEntry* l1 = table.find(1)) l1->regs[ECX] |= 1u << 31;
    return table;
}

Result<std::unique_ptr<VcpuBackend>> KvmAccelerator::create_vcpu(unsigned index,
                                                                 const CpuidTable& cpuid,
                                                                 const VcpuContext& context) {
    // KVM wants the irqchip before any vCPU; the machine has set its memory map by now.
    if (!platform_created_) KEMU_TRY_VOID(create_platform());
    return KvmVcpu::create(vm_.get(), index, vcpu_mmap_size_, cpuid, context, exits_);
}

void KvmAccelerator::set_slot(uint32_t id, const Memslot* slot) {
    kvm_userspace_memory_region r{};
    r.slot = id;
    if (slot) {
        r.guest_phys_addr = slot->gpa;
        r.memory_size = slot->size;
        r.userspace_addr = reinterpret_cast<uint64_t>(slot->host);
        r.flags = slot->readonly ? KVM_MEM_READONLY : 0;
    }
    if (ioctl(vm_.get(), KVM_SET_USER_MEMORY_REGION, &r) < 0)
        log_host_error("KVM_SET_USER_MEMORY_REGION slot %u failed: %s", id, std::strerror(errno));
}

// Memslots follow the RAM and ROM ranges of the flat view. Unchanged ranges keep
// their slot, so dirty logging and the guest's running view are not disturbed.
void KvmAccelerator::commit(const FlatView&, const FlatView& new_view) {
    MemslotPlan plan = plan_memslots(slots_, new_view, readonly_mem_, free_slot_ids_);
    for (const Memslot& s : plan.remove)
        set_slot(s.id, nullptr);
    for (const Memslot& s : plan.add)
        set_slot(s.id, &s);
    if (plan.out_of_slots) log_host_error("out of KVM memory slots");
    slots_ = std::move(plan.slots);
}

// Power-on state of the in-kernel PIC, IOAPIC and PIT, for system_reset.
void KvmAccelerator::reset_platform() {
    if (!platform_created_) return;  // create_platform() resets it when it makes it
    for (uint32_t chip_id : {KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC}) {
        kvm_irqchip chip{};
        chip.chip_id = chip_id;
        if (chip_id == KVM_IRQCHIP_IOAPIC) {
            chip.chip.ioapic.base_address = pc::kIoapicBase;
            chip.chip.ioapic.id = cpus_;  // the MADT gives the IOAPIC the ID after the last CPU
            for (auto& entry : chip.chip.ioapic.redirtbl)
                entry.fields.mask = 1;
        } else {
            chip.chip.pic.imr = 0xff;
        }
        if (ioctl(vm_.get(), KVM_SET_IRQCHIP, &chip) < 0)
            log_host_error("KVM_SET_IRQCHIP reset failed: %s", std::strerror(errno));
    }
    kvm_pit_state2 pit{};
    if (ioctl(vm_.get(), KVM_SET_PIT2, &pit) < 0)
        log_host_error("KVM_SET_PIT2 reset failed: %s", std::strerror(errno));
}

}  // namespace kemu
