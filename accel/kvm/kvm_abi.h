// The KVM ioctl ABI as C++ must see it. Every KVM file includes this header,
// never <linux/kvm.h> directly.
//
// Linux uapi headers from 5.16 to 6.8 declare flexible array members with
// __DECLARE_FLEX_ARRAY, an anonymous struct holding an empty struct and the
// array. An empty struct has size 0 in C but 1 in C++, so under C++ every
// structure ending in such an array grows and its array moves (kvm_cpuid2 is
// 12 bytes instead of 8), and every ioctl number built from its size changes:
// the kernel then rejects KVM_GET_SUPPORTED_CPUID with EINVAL. A zero-length
// array gives C's layout; later kernel headers made the same choice for C++.
//
// The checks below pin the sizes and offsets of every structure kemu hands to
// the kernel, and the request numbers, to the values the kernel's own
// (C) definitions produce (Documentation/virt/kvm/api.rst). They run on every
// build, so a wrong ABI fails to compile even where no /dev/kvm exists.
#pragma once

#include <linux/stddef.h>

#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]

#include <linux/kvm.h>

#include <cstddef>

namespace kemu::kvm_abi {

template <typename T>
constexpr bool size_is(std::size_t bytes) {
    return sizeof(T) == bytes;
}

// Structures ending in a flexible array: the header and where the array starts.
static_assert(size_is<kvm_cpuid2>(8) && offsetof(kvm_cpuid2, entries) == 8);
static_assert(size_is<kvm_cpuid_entry2>(40));
static_assert(size_is<kvm_msrs>(8) && offsetof(kvm_msrs, entries) == 8);
static_assert(size_is<kvm_msr_entry>(16));
static_assert(size_is<kvm_msr_list>(4) && offsetof(kvm_msr_list, indices) == 4);
static_assert(size_is<kvm_irq_routing>(8) && offsetof(kvm_irq_routing, entries) == 8);
static_assert(size_is<kvm_signal_mask>(4) && offsetof(kvm_signal_mask, sigset) == 4);
static_assert(size_is<kvm_reg_list>(8) && offsetof(kvm_reg_list, reg) == 8);
static_assert(size_is<kvm_coalesced_mmio_ring>(8));
static_assert(size_is<kvm_xsave>(4096));

// Fixed-size structures passed to ioctls or shared through the vCPU mapping.
static_assert(size_is<kvm_regs>(144));
static_assert(size_is<kvm_segment>(24));
static_assert(size_is<kvm_sregs>(312) && offsetof(kvm_sregs, interrupt_bitmap) == 280);
static_assert(size_is<kvm_fpu>(416) && offsetof(kvm_fpu, xmm) == 152 &&
              offsetof(kvm_fpu, mxcsr) == 408);
static_assert(size_is<kvm_lapic_state>(1024));
static_assert(size_is<kvm_irqchip>(520));
static_assert(size_is<kvm_pit_config>(64));
static_assert(size_is<kvm_pit_state2>(112));
static_assert(size_is<kvm_userspace_memory_region>(32));
static_assert(size_is<kvm_irq_level>(8));
static_assert(size_is<kvm_mp_state>(4));
static_assert(size_is<kvm_debugregs>(128));
static_assert(size_is<kvm_run>(2352));
static_assert(offsetof(kvm_run, immediate_exit) == 1 && offsetof(kvm_run, exit_reason) == 8 &&
              offsetof(kvm_run, io) == 32 && offsetof(kvm_run, mmio) == 32 &&
              offsetof(kvm_run, internal) == 32 && offsetof(kvm_run, system_event) == 32);

// Request numbers: direction, size, type 0xae and number, as the kernel encodes them.
static_assert(KVM_GET_API_VERSION == 0xae00);
static_assert(KVM_CREATE_VM == 0xae01);
static_assert(KVM_GET_MSR_INDEX_LIST == 0xc004ae02);
static_assert(KVM_CHECK_EXTENSION == 0xae03);
static_assert(KVM_GET_VCPU_MMAP_SIZE == 0xae04);
static_assert(KVM_GET_SUPPORTED_CPUID == 0xc008ae05);
static_assert(KVM_CREATE_VCPU == 0xae41);
static_assert(KVM_SET_USER_MEMORY_REGION == 0x4020ae46);
static_assert(KVM_SET_TSS_ADDR == 0xae47);
static_assert(KVM_SET_IDENTITY_MAP_ADDR == 0x4008ae48);
static_assert(KVM_CREATE_IRQCHIP == 0xae60);
static_assert(KVM_IRQ_LINE == 0x4008ae61);
static_assert(KVM_GET_IRQCHIP == 0xc208ae62);
static_assert(KVM_SET_IRQCHIP == 0x8208ae63);
static_assert(KVM_SET_GSI_ROUTING == 0x4008ae6a);
static_assert(KVM_CREATE_PIT2 == 0x4040ae77);
static_assert(KVM_RUN == 0xae80);
static_assert(KVM_GET_REGS == 0x8090ae81);
static_assert(KVM_SET_REGS == 0x4090ae82);
static_assert(KVM_GET_SREGS == 0x8138ae83);
static_assert(KVM_SET_SREGS == 0x4138ae84);
static_assert(KVM_GET_MSRS == 0xc008ae88);
static_assert(KVM_SET_MSRS == 0x4008ae89);
static_assert(KVM_SET_SIGNAL_MASK == 0x4004ae8b);
static_assert(KVM_GET_FPU == 0x81a0ae8c);
static_assert(KVM_SET_FPU == 0x41a0ae8d);
static_assert(KVM_GET_LAPIC == 0x8400ae8e);
static_assert(KVM_SET_LAPIC == 0x4400ae8f);
static_assert(KVM_SET_CPUID2 == 0x4008ae90);
static_assert(KVM_GET_CPUID2 == 0xc008ae91);
static_assert(KVM_GET_MP_STATE == 0x8004ae98);
static_assert(KVM_SET_MP_STATE == 0x4004ae99);
static_assert(KVM_SET_PIT2 == 0x4070aea0);
static_assert(KVM_GET_DEBUGREGS == 0x8080aea1);
static_assert(KVM_SET_DEBUGREGS == 0x4080aea2);
static_assert(KVM_GET_XSAVE == 0x9000aea4);
static_assert(KVM_SET_XSAVE == 0x5000aea5);
static_assert(KVM_GET_REG_LIST == 0xc008aeb0);

}  // namespace kemu::kvm_abi
