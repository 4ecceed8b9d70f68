#include "block/qcow2/snapshot_table.h"

#include "block/qcow2/format.h"

namespace kemu::block::qcow2 {

namespace {

constexpr size_t kFixedEntry = 40;
constexpr size_t kExtraV3 = 16;      // vm_state_size_large + disk_size
constexpr size_t kExtraIcount = 24;  // + icount
constexpr size_t kMaxExtra = 1024;
constexpr uint64_t kMaxTableBytes = 64u << 20;

uint64_t align8(uint64_t v) {
    return (v + 7) & ~7ull;
}

}  // namespace

Result<std::vector<SnapshotEntry>> read_snapshot_table(const ImageFile& file, const Header& h,
                                                       uint64_t file_size) {
    std::vector<SnapshotEntry> out;
    if (h.nb_snapshots == 0) return out;
    uint64_t pos = h.snapshots_offset;
    const Error too_big("Snapshot table is corrupt or too large");
    for (uint32_t i = 0; i < h.nb_snapshots; ++i) {
        if (pos - h.snapshots_offset > kMaxTableBytes || pos + kFixedEntry > file_size) {
            return too_big;
        }
        uint8_t fixed[kFixedEntry];
        KEMU_TRY_VOID(file.read(pos, fixed));
        SnapshotEntry s;
        s.l1_table_offset = be64(fixed);
        s.l1_size = be32(fixed + 8);
        uint16_t id_len = be16(fixed + 12);
        uint16_t name_len = be16(fixed + 14);
        s.date_sec = be32(fixed + 16);
        s.date_nsec = be32(fixed + 20);
        s.vm_clock_nsec = be64(fixed + 24);
        s.vm_state_size = be32(fixed + 32);
        uint32_t extra_len = be32(fixed + 36);
        if (extra_len > kMaxExtra) return too_big;
        uint64_t var_len = uint64_t{extra_len} + id_len + name_len;
        if (pos + kFixedEntry + var_len > file_size) return too_big;
        std::vector<uint8_t> var(var_len);
        KEMU_TRY_VOID(file.read(pos + kFixedEntry, var));
        if (extra_len >= 8) s.vm_state_size = be64(&var[0]);
        if (extra_len >= kExtraV3)
            s.disk_size = be64(&var[8]);
        else
            s.disk_size = h.size;
        if (extra_len >= kExtraIcount) s.icount = be64(&var[16]);
        if (extra_len > kExtraIcount) {
            s.unknown_extra.assign(var.begin() + kExtraIcount, var.begin() + extra_len);
        }
        s.id.assign(var.begin() + extra_len, var.begin() + extra_len + id_len);
        s.name.assign(var.begin() + extra_len + id_len, var.end());
        if (uint64_t{s.l1_size} * 8 > kMaxL1Bytes || s.l1_table_offset % h.cluster_size()) {
            return Error("Snapshot L1 table is corrupt or too large");
        }
        out.push_back(std::move(s));
        pos = align8(pos + kFixedEntry + var_len);
    }
    return out;
}

std::vector<uint8_t> encode_snapshot_table(const std::vector<SnapshotEntry>& snapshots) {
    std::vector<uint8_t> out;
    for (const SnapshotEntry& s : snapshots) {
        size_t extra = kExtraIcount + s.unknown_extra.size();
        size_t start = out.size();
        size_t len = align8(kFixedEntry + extra + s.id.size() + s.name.size());
        out.resize(start + len, 0);
        uint8_t* p = &out[start];
        put_be64(p, s.l1_table_offset);
        put_be32(p + 8, s.l1_size);
        put_be16(p + 12, static_cast<uint16_t>(s.id.size()));
        put_be16(p + 14, static_cast<uint16_t>(s.name.size()));
        put_be32(p + 16, s.date_sec);
        put_be32(p + 20, s.date_nsec);
        put_be64(p + 24, s.vm_clock_nsec);
        put_be32(p + 32,
                 s.vm_state_size > 0xffffffffu ? 0 : static_cast<uint32_t>(s.vm_state_size));
        put_be32(p + 36, static_cast<uint32_t>(extra));
        put_be64(p + 40, s.vm_state_size);
        put_be64(p + 48, s.disk_size);
        put_be64(p + 56, s.icount);
        std::copy(s.unknown_extra.begin(), s.unknown_extra.end(), p + 64);
        std::copy(s.id.begin(), s.id.end(), p + kFixedEntry + extra);
        std::copy(s.name.begin(), s.name.end(), p + kFixedEntry + extra + s.id.size());
    }
    return out;
}

}  // namespace kemu::block::qcow2
