// `kemu-img check` for qcow2: rebuild the reference counts every table implies, compare
// them with the stored ones, and optionally repair (also used to clean a dirty image).
#include <algorithm>

#include "block/qcow2/qcow2.h"
#include "system/log.h"

namespace kemu::block::qcow2 {

namespace {

// Refuse to check images whose cluster count would need an unreasonable in-memory array.
constexpr uint64_t kMaxCheckClusters = 1ull << 28;

struct Walk {
    std::vector<uint32_t> refs;  // expected refcount per host cluster
    CheckResult* result;
    uint64_t cluster_bits;

    void add(uint64_t offset, uint64_t length, const char* what) {
        if (length == 0) return;
        uint64_t first = offset >> cluster_bits;
        uint64_t last = (offset + length - 1) >> cluster_bits;
        for (uint64_t c = first; c <= last; ++c) {
            if (c >= refs.size()) {
                result->messages.push_back(std::string("ERROR ") + what + " at offset 0x" +
                                           hex(offset) + " lies past the end of the image file");
                result->corruptions++;
                return;
            }
            refs[c]++;
        }
    }
};

}  // namespace

Result<CheckResult> Qcow2Driver::check(RepairMode mode) {
    if (mode != RepairMode::None && read_only()) {
        return Error("Cannot repair a read-only image");
    }
    KEMU_TRY_VOID(flush_metadata());
    const uint64_t cs = cluster_size();
    const uint32_t bits = header_.cluster_bits;
    CheckResult res;
    auto file_size = file_.size();
    if (!file_size) return file_size.error();
    uint64_t nb_clusters = (*file_size + cs - 1) / cs;
    if (nb_clusters > kMaxCheckClusters) return Error("Image is too large to check");
    Walk w{std::vector<uint32_t>(nb_clusters, 0), &res, bits};

    w.add(0, cs, "header");
    auto walk_l1 = [&](const std::vector<uint64_t>& l1, bool active) -> Result<void> {
        uint64_t prev_host = 0;
        for (uint64_t e : l1) {
            uint64_t l2 = e & kOffsetMask;
            if (!l2) continue;
            if (l2 & (cs - 1) || l2 >= *file_size) {
                res.messages.push_back("ERROR l2_offset=" + hex(l2) +
                                       ": L2 table offset invalid; L1 entry corrupted");
                res.corruptions++;
                continue;
            }
            w.add(l2, cs, "L2 table");
            auto table = l2_cache_->get(l2);
            if (!table) return table.error();
            std::vector<uint64_t> entries = (*table)->entries;
            for (uint64_t entry : entries) {
                Mapping m = decode(entry);
                if (m.kind == Kind::Compressed) {
                    CompressedDescriptor d = decode_compressed(m.host, bits);
                    uint64_t len = d.host_offset < *file_size
                                       ? std::min(d.host_length, *file_size - d.host_offset)
                                       : 1;
                    w.add(d.host_offset, len, "compressed cluster");
                    if (active) {
                        res.compressed_clusters++;
                        res.allocated_clusters++;
                    }
                    continue;
                }
                if (m.kind != Kind::Normal && m.kind != Kind::ZeroAllocated) continue;
                if (m.host & (cs - 1)) {
                    res.messages.push_back(
                        "ERROR offset=" + hex(m.host) +
                        ": Cluster is not properly aligned; L2 entry corrupted.");
                    res.corruptions++;
                    continue;
                }
                w.add(m.host, cs, "data cluster");
                if (active) {
                    res.allocated_clusters++;
                    if (prev_host && m.host != prev_host + cs) res.fragmented_clusters++;
                    prev_host = m.host;
                }
            }
        }
        return ok();
    };

    w.add(header_.l1_table_offset, uint64_t{header_.l1_size} * 8, "L1 table");
    KEMU_TRY_VOID(walk_l1(l1_, true));
    for (const SnapshotEntry& s : snapshots_) {
        w.add(s.l1_table_offset, uint64_t{s.l1_size} * 8, "snapshot L1 table");
        auto l1 = read_l1(s.l1_table_offset, s.l1_size);
        if (!l1) {
            res.messages.push_back("ERROR snapshot " + s.id + ": " + l1.error().message());
            res.corruptions++;
            continue;
        }
        KEMU_TRY_VOID(walk_l1(*l1, false));
    }
    if (header_.nb_snapshots) {
        w.add(header_.snapshots_offset, encode_snapshot_table(snapshots_).size(), "snapshot table");
    }
    w.add(refcounts_->table_offset(), uint64_t{refcounts_->table_clusters()} * cs,
          "refcount table");
    for (uint64_t e : refcounts_->table()) {
        uint64_t block = e & kRefTableOffsetMask;
        if (!block) continue;
        if (block & (cs - 1) || block >= *file_size) {
            res.messages.push_back("ERROR refcount block offset 0x" + hex(block) + " is invalid");
            res.corruptions++;
            continue;
        }
        w.add(block, cs, "refcount block");
    }

    // Compare with the stored refcounts: every cluster of the file, plus whatever existing
    // refcount blocks say about clusters past EOF.
    const uint64_t per_block = refcounts_->entries_per_block();
    const std::vector<uint64_t> table = refcounts_->table();
    uint64_t blocks = std::max<uint64_t>((nb_clusters + per_block - 1) / per_block, table.size());
    uint64_t highest_used = 0;
    for (uint64_t bi = 0; bi < blocks; ++bi) {
        bool exists = bi < table.size() && (table[bi] & kRefTableOffsetMask);
        uint64_t start = bi * per_block;
        uint64_t end = exists ? start + per_block : std::min(start + per_block, nb_clusters);
        for (uint64_t c = start; c < end; ++c) {
            auto stored = refcounts_->get(c);
            if (!stored) return stored.error();
            uint64_t expected = c < nb_clusters ? w.refs[c] : 0;
            if (*stored) highest_used = c + 1;
            if (*stored == expected) continue;
            bool leak = *stored > expected;
            std::string line = std::string(leak ? "Leaked" : "ERROR") + " cluster " +
                               std::to_string(c) + " refcount=" + std::to_string(*stored) +
                               " reference=" + std::to_string(expected);
            res.messages.push_back(line);
            bool fix = mode == RepairMode::All || (mode == RepairMode::Leaks && leak);
            if (fix) {
                res.messages.push_back("Repairing" + line.substr(line.find(' ')));
                KEMU_TRY_VOID(refcounts_->set(c, expected));
                (leak ? res.leaks_fixed : res.corruptions_fixed)++;
            } else {
                (leak ? res.leaks : res.corruptions)++;
            }
        }
    }
    if (mode == RepairMode::All) KEMU_TRY_VOID(update_copied_flags());
    if (mode != RepairMode::None) {
        KEMU_TRY_VOID(flush_metadata());
        KEMU_TRY_VOID(file_.datasync());
    }
    res.image_end_offset = highest_used * cs;
    res.total_clusters = (size() + cs - 1) / cs;
    return res;
}

}  // namespace kemu::block::qcow2
