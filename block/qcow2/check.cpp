// `kemu-img check` for qcow2: rebuild the reference counts every table implies, compare
// them with the stored ones, and optionally repair (also used to clean a dirty image).
#include <algorithm>

#include "block/qcow2/qcow2.h"
#include "system/hex.h"
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
    KEMU_TRY(file_size, file_.size());
    uint64_t nb_clusters = (file_size + cs - 1) / cs;
    if (nb_clusters > kMaxCheckClusters) return Error("Image is too large to check");
    Walk w{std::vector<uint32_t>(nb_clusters, 0), &res, bits};

    w.add(0, cs, "header");
    auto walk_l1 = [&](const std::vector<uint64_t>& l1, bool active) -> Result<void> {
        uint64_t prev_host = 0;
        for (uint64_t e : l1) {
            uint64_t l2 = e & kOffsetMask;
            if (!l2) continue;
            if (l2 & (cs - 1) || l2 >= file_size) {
                res.messages.push_back("ERROR l2_offset=" + hex(l2) +
                                       ": L2 table offset invalid; L1 entry corrupted");
                res.corruptions++;
                continue;
            }
            w.add(l2, cs, "L2 table");
            KEMU_TRY(table, l2_cache_->get(l2));
            std::vector<uint64_t> entries = table->entries;
            for (uint64_t entry : entries) {
                Mapping m = decode(entry);
                if (m.kind == Kind::Compressed) {
                    CompressedDescriptor d = decode_compressed(m.host, bits);
                    uint64_t len = d.host_offset < file_size
                                       ? std::min(d.host_length, file_size - d.host_offset)
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
    // The refcount structure's own clusters, which a rebuilt structure leaves out.
    std::vector<uint64_t> refcount_clusters;
    w.add(refcounts_->table_offset(), uint64_t{refcounts_->table_clusters()} * cs,
          "refcount table");
    for (uint64_t i = 0; i < refcounts_->table_clusters(); ++i)
        refcount_clusters.push_back((refcounts_->table_offset() >> bits) + i);
    std::vector<bool> block_invalid(refcounts_->table().size(), false);
    uint64_t invalid_blocks = 0;
    for (size_t bi = 0; bi < block_invalid.size(); ++bi) {
        uint64_t block = refcounts_->table()[bi] & kRefTableOffsetMask;
        if (!block) continue;
        auto reject = [&](const std::string& problem) {
            res.messages.push_back("ERROR refcount block " + std::to_string(bi) + problem);
            res.corruptions++;
            block_invalid[bi] = true;
            invalid_blocks++;
        };
        if (block & (cs - 1) || block >= file_size) {
            reject(" offset 0x" + hex(block) + " is invalid; refcount table entry corrupted");
            continue;
        }
        // Repairing counts into a block that is also a table would destroy the table.
        if (w.refs[block >> bits] != 0) {
            reject(" at 0x" + hex(block) + " overlaps other metadata");
            continue;
        }
        w.add(block, cs, "refcount block");
        refcount_clusters.push_back(block >> bits);
    }
    if (invalid_blocks && mode == RepairMode::All) {
        // Counted in place rather than from a copy: the array may be a large part of memory.
        for (uint64_t c : refcount_clusters)
            if (c < w.refs.size() && w.refs[c]) w.refs[c]--;
        KEMU_TRY_VOID(rebuild_refcounts(std::move(w.refs), nb_clusters));
        res.messages.push_back("Rebuilding refcount structure");
        res.corruptions -= invalid_blocks;
        res.corruptions_fixed += invalid_blocks;
        return finish_repair(res);
    }

    // Compare with the stored refcounts: every cluster of the file, plus whatever existing
    // refcount blocks say about clusters past EOF.
    const uint64_t per_block = refcounts_->entries_per_block();
    const std::vector<uint64_t> table = refcounts_->table();
    uint64_t blocks = std::max<uint64_t>((nb_clusters + per_block - 1) / per_block, table.size());
    uint64_t highest_used = 0;
    for (uint64_t bi = 0; bi < blocks; ++bi) {
        if (bi < block_invalid.size() && block_invalid[bi]) continue;  // unreadable
        bool exists = bi < table.size() && (table[bi] & kRefTableOffsetMask);
        uint64_t start = bi * per_block;
        uint64_t end = exists ? start + per_block : std::min(start + per_block, nb_clusters);
        for (uint64_t c = start; c < end; ++c) {
            KEMU_TRY(stored, refcounts_->get(c));
            uint64_t expected = c < nb_clusters ? w.refs[c] : 0;
            if (stored) highest_used = c + 1;
            if (stored == expected) continue;
            bool leak = stored > expected;
            std::string line = std::string(leak ? "Leaked" : "ERROR") + " cluster " +
                               std::to_string(c) + " refcount=" + std::to_string(stored) +
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
    res.image_end_offset = highest_used * cs;
    res.total_clusters = (size() + cs - 1) / cs;
    if (mode == RepairMode::None) return res;
    return finish_repair(res);
}

Result<CheckResult> Qcow2Driver::finish_repair(CheckResult res) {
    KEMU_TRY_VOID(update_copied_flags());
    KEMU_TRY_VOID(flush_metadata());
    // Consistent again: the corrupt mark that kept writers away can go, as qemu-img does.
    if (res.corruptions == 0 && (header_.incompatible_features & kIncompatCorrupt)) {
        header_.incompatible_features &= ~kIncompatCorrupt;
        KEMU_TRY_VOID(write_header());
    }
    KEMU_TRY_VOID(file_.datasync());
    return res;
}

// The refcount structure goes past the end of the file, built from what the tables
// reference; the header switches to it once it is on disk. The old one is abandoned.
Result<void> Qcow2Driver::rebuild_refcounts(std::vector<uint32_t> refs,
                                            uint64_t first_free_cluster) {
    KEMU_TRY_VOID(refcounts_->rebuild(std::move(refs), first_free_cluster));
    const uint64_t cs = cluster_size();
    header_.refcount_table_offset = refcounts_->table_offset();
    header_.refcount_table_clusters = refcounts_->table_clusters();
    KEMU_TRY_VOID(write_header());
    KEMU_TRY_VOID(file_.datasync());
    file_end_ = std::max(file_end_,
                         refcounts_->table_offset() + uint64_t{refcounts_->table_clusters()} * cs);
    return ok();
}

}  // namespace kemu::block::qcow2
