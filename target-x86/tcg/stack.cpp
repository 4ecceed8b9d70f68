#include "target-x86/tcg/stack.h"

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86 {

LocalStack::LocalStack(SysContext& ctx, const Segment& ss, uint64_t sp, unsigned addr_size,
                       Priv priv, uint32_t fault_code)
    : ctx_(ctx), ss_(ss), sp_(sp), addr_size_(addr_size), priv_(priv), fault_code_(fault_code) {}

uint64_t LocalStack::mask() const {
    return addr_size_ == 8 ? ~0ull : addr_size_ == 4 ? 0xffffffffull : 0xffffull;
}

uint64_t LocalStack::checked_address(uint64_t offset, unsigned size) {
    offset &= mask();
    if (addr_size_ == 8) {
        if (!is_canonical(offset) || !is_canonical(offset + size - 1))
            raise_exception(ctx_, vec::SS, fault_code_);
        return offset;
    }
    uint64_t last = offset + size - 1;
    bool expand_down = ss_.s && !(ss_.type & 8) && (ss_.type & 4);
    uint64_t upper = ss_.db ? 0xffffffffull : 0xffffull;
    bool ok = expand_down ? (offset > ss_.limit && last <= upper) : last <= ss_.limit;
    if (!ok) raise_exception(ctx_, vec::SS, fault_code_);
    return (ss_.base + offset) & 0xffffffffull;
}

void LocalStack::push(uint64_t value, unsigned size) {
    uint64_t next = (sp_ - size) & mask();
    ctx_.write(checked_address(next, size), size, value, priv_);
    sp_ = next;
}

uint64_t LocalStack::pop(unsigned size) {
    uint64_t v = ctx_.read(checked_address(sp_, size), size, priv_);
    sp_ = (sp_ + size) & mask();
    return v;
}

uint64_t LocalStack::peek(uint64_t offset, unsigned size) {
    return ctx_.read(checked_address(sp_ + offset, size), size, priv_);
}

uint64_t LocalStack::merged_rsp(uint64_t old_rsp) const {
    if (addr_size_ == 2) return (old_rsp & ~0xffffull) | (sp_ & 0xffff);
    return sp_ & mask();
}

}  // namespace kemu::x86
