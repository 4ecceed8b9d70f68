#include "tcg/backend_x86_64_vregs.h"

#include <algorithm>

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
    read(offset, size);  // a narrower dirty value of these bytes goes to env first
    const int i = take(offset, size, false);
    move(kFirst + i, code_.ptr[env_at(offset)], size);
    return kFirst + i;
}

int VectorCache::claim(uint32_t offset, unsigned size) {
    const int i = take(offset, size, true);
    dirty_ |= uint16_t(1u << i);
    return kFirst + i;
}

int VectorCache::take(uint32_t offset, unsigned size, bool overwrite) {
    int pick = -1;
    for (int i = 0; i < kCount; i++)
        if (entries_[i].size && entries_[i].offset == offset) pick = i;
    if (pick < 0) {
        pick = 0;
        for (int i = 1; i < kCount; i++)
            if (entries_[i].stamp < entries_[pick].stamp) pick = i;
        if (is_dirty(pick)) store(pick);  // evicted
    } else if (is_dirty(pick) && (!overwrite || entries_[pick].size > size)) {
        store(pick);  // the new value leaves some of the old one's bytes
    }
    for (int i = 0; i < kCount; i++) {
        if (i == pick || !overlaps(entries_[i], offset, size)) continue;
        const Entry& e = entries_[i];
        const bool covered = overwrite && e.offset >= offset && e.offset + e.size <= offset + size;
        if (is_dirty(i) && !covered) store(i);
        drop(i);
    }
    entries_[pick] = {offset, uint8_t(size), ++clock_};
    live_ |= uint16_t(1u << pick);
    dirty_ &= uint16_t(~(1u << pick));
    if (size == 32) upper_dirty_ = true;
    return pick;
}

void VectorCache::written(uint32_t offset, unsigned size) {
    if (!live_) return;
    for (int i = 0; i < kCount; i++) {
        if (!overlaps(entries_[i], offset, size)) continue;
        const Entry& e = entries_[i];
        const bool covered = e.offset >= offset && e.offset + e.size <= offset + size;
        if (is_dirty(i) && !covered) store(i);
        drop(i);
    }
}

void VectorCache::read(uint32_t offset, unsigned size) {
    if (!dirty_) return;
    for (int i = 0; i < kCount; i++)
        if (is_dirty(i) && overlaps(entries_[i], offset, size)) store(i);
}

void VectorCache::write_back() {
    for (int i = 0; dirty_ && i < kCount; i++)
        if (is_dirty(i)) store(i);
}

void VectorCache::write_back_except(const std::vector<uint32_t>& keep) {
    for (int i = 0; dirty_ && i < kCount; i++)
        if (is_dirty(i) && std::find(keep.begin(), keep.end(), entries_[i].offset) == keep.end())
            store(i);
}

void VectorCache::dirty(std::vector<Dirty>& out) const {
    for (int i = 0; dirty_ && i < kCount; i++)
        if (is_dirty(i)) out.push_back({entries_[i].offset, entries_[i].size, uint8_t(kFirst + i)});
}

void VectorCache::store(int i) {
    move(code_.ptr[env_at(entries_[i].offset)], kFirst + i, entries_[i].size);
    dirty_ &= uint16_t(~(1u << i));
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
    for (int i = 0; dirty_ && i < kCount; i++)
        if (is_dirty(i) && entries_[i].size > 16) store(i);
    code_.vzeroupper();
    upper_dirty_ = false;
    for (Entry& e : entries_)
        if (e.size > 16) e.size = 16;
}

}  // namespace kemu::tcg::x64
