#include "tcg/backend_x86_64_vregs.h"

#include "tcg/backend_x86_64_regs.h"

namespace kemu::tcg::x64 {

using Xbyak::Xmm;
using Xbyak::Ymm;

int VectorCache::find(uint32_t offset, unsigned size) {
    if (!live_) return -1;
    for (int i = 0; i < kCount; i++) {
        Entry& e = entries_[i];
        if (e.size >= size && e.offset == offset) {
            e.stamp = ++clock_;
            return kFirst + i;
        }
    }
    return -1;
}

int VectorCache::load(uint32_t offset, unsigned size) {
    if (int reg = find(offset, size); reg >= 0) return reg;
    const int reg = claim(offset, size);
    move(reg, code_.ptr[env_at(offset)], size);
    return reg;
}

int VectorCache::claim(uint32_t offset, unsigned size) {
    int pick = -1;
    for (int i = 0; i < kCount; i++)
        if (entries_[i].size && entries_[i].offset == offset) pick = i;
    if (pick < 0) {
        pick = 0;
        for (int i = 1; i < kCount; i++)
            if (entries_[i].stamp < entries_[pick].stamp) pick = i;
    }
    for (int i = 0; i < kCount; i++)
        if (i != pick && overlaps(entries_[i], offset, size)) drop(i);
    entries_[pick] = {offset, uint8_t(size), ++clock_};
    live_ |= uint16_t(1u << pick);
    if (size == 32) upper_dirty_ = true;
    return kFirst + pick;
}

void VectorCache::written(uint32_t offset, unsigned size) {
    if (!live_) return;
    for (int i = 0; i < kCount; i++)
        if (overlaps(entries_[i], offset, size)) drop(i);
}

void VectorCache::copy(int dst, int src, unsigned size) {
    if (dst == src) return;
    if (size == 32)
        code_.vmovaps(Ymm(dst), Ymm(src));
    else if (avx_)
        code_.vmovaps(Xmm(dst), Xmm(src));
    else
        code_.movaps(Xmm(dst), Xmm(src));
}

void VectorCache::move(int reg, const Xbyak::Address& from, unsigned size) {
    if (size == 32)
        code_.vmovups(Ymm(reg), from);
    else if (avx_)
        code_.vmovups(Xmm(reg), from);
    else
        code_.movups(Xmm(reg), from);
}

void VectorCache::move(const Xbyak::Address& to, int reg, unsigned size) {
    if (size == 32)
        code_.vmovups(to, Ymm(reg));
    else if (avx_)
        code_.vmovups(to, Xmm(reg));
    else
        code_.movups(to, Xmm(reg));
}

void VectorCache::clean_upper() {
    if (!upper_dirty_) return;
    code_.vzeroupper();
    upper_dirty_ = false;
    for (Entry& e : entries_)
        if (e.size > 16) e.size = 16;
}

}  // namespace kemu::tcg::x64
