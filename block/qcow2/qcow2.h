// The qcow2 driver: versions 2 and 3, backing files, zero and compressed clusters,
// internal snapshots, lazy refcounts and the dirty/corrupt bits.
//
// Metadata update order (docs/block.md, "Crash safety"):
//  1. refcount increments reach the disk (and are synced) before any L1/L2 entry that
//     points at the newly counted cluster (L2Cache's before-writeback hook);
//  2. a new L2 table's contents are synced before the L1 entry pointing to it is written;
//  3. refcount decrements are applied only after the tables that stopped pointing at the
//     cluster are synced (pending_frees_), so a crash can only leak clusters.
// With lazy refcounts (1) is skipped and the dirty bit makes the next writer rebuild refcounts.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "block/block_driver.h"
#include "block/image_file.h"
#include "block/qcow2/header.h"
#include "block/qcow2/l2_cache.h"
#include "block/qcow2/refcount.h"
#include "block/qcow2/snapshot_table.h"

namespace kemu::block::qcow2 {

struct OpenOptions {
    size_t l2_cache_tables = 32;
    size_t refcount_cache_blocks = 16;
    // Opened by `check`, which does its own repair (QEMU's BDRV_O_CHECK): a dirty image is
    // not repaired on open, and an image marked corrupt may be opened writable.
    bool for_check = false;
};

enum class RepairMode { None, Leaks, All };

struct CheckResult {
    uint64_t corruptions = 0;
    uint64_t leaks = 0;
    uint64_t check_errors = 0;
    uint64_t corruptions_fixed = 0;
    uint64_t leaks_fixed = 0;
    uint64_t image_end_offset = 0;
    uint64_t total_clusters = 0;
    uint64_t allocated_clusters = 0;
    uint64_t fragmented_clusters = 0;
    uint64_t compressed_clusters = 0;
    std::vector<std::string> messages;  // "ERROR cluster 5 refcount=1 reference=2", ...
};

class Qcow2Driver final : public BlockDriver {
  public:
    static Result<std::unique_ptr<Qcow2Driver>> open(ImageFile file,
                                                     std::unique_ptr<BlockDriver> backing,
                                                     const OpenOptions& options = {});
    ~Qcow2Driver() override;

    const char* format_name() const override { return "qcow2"; }
    uint64_t size() const override { return header_.size; }
    bool read_only() const override { return file_.read_only(); }

    Result<void> read(uint64_t offset, std::span<uint8_t> buf) override;
    Result<void> write(uint64_t offset, std::span<const uint8_t> buf) override;
    Result<void> write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) override;
    Result<void> discard(uint64_t offset, uint64_t len) override;
    Result<void> flush() override;
    Result<Extent> block_status(uint64_t offset, uint64_t len) override;
    Result<void> truncate(uint64_t new_size, bool allow_shrink) override;
    ImageInfo info() override;
    BlockDriver* backing() override { return backing_.get(); }
    std::unique_ptr<BlockDriver> exchange_backing(std::unique_ptr<BlockDriver> b) override {
        backing_.swap(b);
        return b;
    }
    std::optional<HostRange> map_direct(uint64_t offset, uint64_t len, bool write) override;
    Result<void> close() override;

    // Writes one whole guest cluster compressed (falls back to a normal write when the
    // data does not compress). `offset` must be cluster aligned; the cluster must be unused.
    Result<void> write_compressed(uint64_t offset, std::span<const uint8_t> cluster);
    // The storing half of write_compressed, for callers that compress on other threads
    // (compress_cluster() touches no driver state): `compressed` is its output for the
    // cluster at `offset`, shorter than a cluster.
    Result<void> store_compressed(uint64_t offset, std::span<const uint8_t> compressed);

    Result<CheckResult> check(RepairMode mode);

    // Preallocation of a freshly created, empty image: maps every cluster in the range to a
    // new host cluster (reading zeroes: the host file is sparse or zero-filled there).
    Result<void> allocate_range(uint64_t offset, uint64_t len);
    // Reserves host blocks for the whole image file (preallocation=falloc/full).
    Result<void> reserve_host_space(ImageFile::Prealloc mode);
    // resize --preallocation: gives every whole cluster from `old_size` to the end a host
    // cluster that reads as zeroes, whatever the reused host cluster held (v3: the zero
    // flag; v2: zeroes written first); then `host` reserves or fills the file.
    Result<void> preallocate_growth(uint64_t old_size, std::optional<ImageFile::Prealloc> host);

    // Internal snapshots.
    const std::vector<SnapshotEntry>& snapshots() const { return snapshots_; }
    bool supports_snapshots() const override { return true; }
    Result<void> snapshot_create(const SnapshotInfo& snapshot) override;
    Result<void> snapshot_apply(const std::string& id_or_name) override;
    Result<void> snapshot_delete(const std::string& id_or_name) override;
    Result<void> write_vmstate(uint64_t pos, std::span<const uint8_t> buf) override;
    Result<void> read_vmstate(uint64_t pos, std::span<uint8_t> buf) override;

    // Drops every cluster of the active layer so all reads fall through to the backing
    // file (commit without -d).
    Result<void> make_empty() override;

    // Rewrites the backing file link (rebase, commit -b); contents are not touched.
    Result<void> set_backing(const std::string& file, const std::string& format,
                             std::unique_ptr<BlockDriver> backing);
    // amend: lazy refcounts and compat (1.1 -> 0.10 only when no v3 feature is in use).
    Result<void> amend(std::optional<bool> lazy_refcounts, std::optional<uint32_t> version);

    const Header& header() const { return header_; }
    uint64_t cluster_size() const { return header_.cluster_size(); }
    const L2Cache& l2_cache() const { return *l2_cache_; }
    RefcountManager& refcounts() { return *refcounts_; }

  private:
    enum class Kind { Unallocated, Zero, ZeroAllocated, Normal, Compressed };
    struct Mapping {
        Kind kind = Kind::Unallocated;
        uint64_t host = 0;  // cluster offset (normal) or raw descriptor (compressed)
        bool copied = false;
    };

    Qcow2Driver(ImageFile file, std::unique_ptr<BlockDriver> backing);
    Result<void> load(const OpenOptions& options);
    Result<Mapping> lookup(uint64_t guest_cluster);
    Mapping decode(uint64_t l2_entry) const;
    Result<L2Table*> l2_for_write(uint64_t l1_index);
    Result<void> write_l1_entry(uint64_t l1_index);
    // read/write/discard without the disk-size bound (the VM state area lies beyond it).
    Result<void> read_range(uint64_t offset, std::span<uint8_t> buf);
    Result<void> write_range(uint64_t offset, std::span<const uint8_t> buf);
    Result<void> discard_range(uint64_t offset, uint64_t len);
    // Where the VM state area starts: the first L1 entry past the disk (QEMU's placement).
    uint64_t vm_state_offset() const;
    // After a snapshot took the VM state, the active layer lets go of its `len` bytes.
    Result<void> drop_vmstate(uint64_t len);
    Result<void> read_mapped(const Mapping& m, uint64_t guest_offset, std::span<uint8_t> buf);
    Result<void> read_backing(uint64_t guest_offset, std::span<uint8_t> buf);
    Result<void> read_compressed(uint64_t descriptor, uint64_t in_cluster, std::span<uint8_t> buf);
    Result<void> write_partial_cluster(uint64_t offset, std::span<const uint8_t> data);
    Result<void> write_new_clusters(uint64_t offset, std::span<const uint8_t> data, uint64_t count);
    Result<void> set_entry(uint64_t guest_cluster, uint64_t entry);
    // Where `len` bytes of compressed data go, with their host clusters referenced.
    Result<uint64_t> place_compressed(uint64_t len);
    void free_later(const Mapping& old);
    Result<void> begin_write();
    Result<void> flush_metadata();
    Result<void> write_header();
    Result<void> check_host_offset(uint64_t host, const char* what);
    Result<void> check_not_metadata(uint64_t host, uint64_t len);
    Error mark_corrupt(const std::string& why);
    Result<void> write_snapshot_table(std::vector<SnapshotEntry> table);
    Result<std::vector<uint64_t>> read_l1(uint64_t offset, uint32_t entries);
    Result<void> update_l1_refcounts(const std::vector<uint64_t>& l1, int64_t delta);
    Result<void> update_copied_flags();
    Result<void> grow_l1(uint64_t min_entries);
    // check()'s repair steps.
    Result<CheckResult> finish_repair(CheckResult res);
    Result<void> rebuild_refcounts(std::vector<uint32_t> refs, uint64_t first_free_cluster);
    size_t find_snapshot(const std::string& id_or_name) const;

    ImageFile file_;
    std::unique_ptr<BlockDriver> backing_;
    Header header_;
    std::vector<uint64_t> l1_;
    std::unique_ptr<RefcountManager> refcounts_;
    std::unique_ptr<L2Cache> l2_cache_;
    std::vector<SnapshotEntry> snapshots_;
    // Clusters to decrement once the tables that dropped them are durable (rule 3).
    std::vector<std::pair<uint64_t, uint64_t>> pending_frees_;  // first cluster, count
    uint64_t file_end_ = 0;  // host offsets at or beyond this are corrupt
    bool lazy_refcounts_ = false;
    bool closed_ = false;
    // Last decompressed cluster, keyed by its descriptor.
    std::optional<uint64_t> decompressed_key_;
    std::vector<uint8_t> decompressed_;
    // Where the next compressed cluster may go: the byte after the previous one, inside a
    // host cluster that holds only compressed data. Reset whenever clusters are freed.
    uint64_t compressed_cursor_ = 0;
};

// qcow2 image creation (kemu-img create -f qcow2).
struct CreateOptions {
    uint64_t size = 0;
    uint32_t cluster_size = 65536;
    uint32_t version = 3;
    bool lazy_refcounts = false;
    uint32_t refcount_bits = 16;
    CompressionType compression_type = CompressionType::Zlib;
    std::string backing_file;
    std::string backing_format;
    enum class Prealloc { Off, Metadata, Falloc, Full } preallocation = Prealloc::Off;
};

Result<void> create(const std::string& path, const CreateOptions& options);

}  // namespace kemu::block::qcow2
