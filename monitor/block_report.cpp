#include "monitor/block_report.h"

#include <algorithm>
#include <cstdio>

#include "block/text_format.h"

namespace kemu {

namespace {

std::string cache_text(const block::CacheFlags& flags) {
    return std::string(flags.writethrough ? "writethrough" : "writeback") +
           (flags.direct ? ", direct" : "") + (flags.ignore_flush ? ", ignore flushes" : "");
}

std::string medium_text(const BlockDeviceInfo& drive, const BlockDeviceInfo::Medium& m) {
    std::string out =
        drive.device + ": " + m.file + " (" + m.format + (m.read_only ? ", read-only" : "") + ")\n";
    if (!drive.attached_to.empty()) out += "    Attached to:      " + drive.attached_to + "\n";
    out += "    Cache mode:       " + cache_text(m.cache) + "\n";
    if (m.detect_zeroes != block::DetectZeroes::Off) {
        out += std::string("    Detect zeroes:    ") +
               (m.detect_zeroes == block::DetectZeroes::Unmap ? "unmap" : "on") + "\n";
    }
    if (m.snapshot) out += "    Backing file:     " + m.file + " (snapshot overlay)\n";
    return out;
}

// Matches by id or by name, as loadvm looks snapshots up.
bool has_snapshot(const DriveSnapshots& drive, const std::string& id_or_name) {
    return std::any_of(
        drive.snapshots.begin(), drive.snapshots.end(),
        [&](const block::SnapshotInfo& s) { return s.id == id_or_name || s.name == id_or_name; });
}

}  // namespace

std::string format_block_info(const std::vector<BlockDeviceInfo>& drives) {
    std::string out;
    for (const BlockDeviceInfo& d : drives) {
        out += d.medium ? medium_text(d, *d.medium)
                        : d.device +
                              ": [not inserted]\n    Removable device: not locked, "
                              "tray closed\n";
    }
    return out;
}

std::string format_blockstats(const std::vector<BlockDeviceStats>& drives) {
    std::string out;
    for (const BlockDeviceStats& d : drives) {
        const block::BlockStats& s = d.stats;
        char line[320];
        std::snprintf(line, sizeof line,
                      "%s: rd_bytes=%llu wr_bytes=%llu unmap_bytes=%llu rd_operations=%llu "
                      "wr_operations=%llu unmap_operations=%llu flush_operations=%llu\n",
                      d.device.c_str(), (unsigned long long)s.rd_bytes,
                      (unsigned long long)s.wr_bytes, (unsigned long long)s.unmap_bytes,
                      (unsigned long long)s.rd_operations, (unsigned long long)s.wr_operations,
                      (unsigned long long)s.unmap_operations,
                      (unsigned long long)s.flush_operations);
        out += line;
    }
    return out;
}

std::string format_snapshots(const Result<std::vector<DriveSnapshots>>& result) {
    if (!result) return result.error().message() + "\n";
    const std::vector<DriveSnapshots>& drives = *result;
    auto on_all = [&](const block::SnapshotInfo& s) {
        return std::all_of(drives.begin(), drives.end(),
                           [&](const DriveSnapshots& d) { return has_snapshot(d, s.name); });
    };
    std::string common, partial;
    if (!drives.empty()) {
        for (const block::SnapshotInfo& s : drives[0].snapshots) {
            if (on_all(s)) common += block::snapshot_table_row(s);
        }
    }
    for (const DriveSnapshots& d : drives) {
        std::string rows;
        for (const block::SnapshotInfo& s : d.snapshots) {
            if (!on_all(s)) rows += block::snapshot_table_row(s);
        }
        if (!rows.empty()) {
            partial += "\nList of partial (non-loadable) snapshots on '" + d.device + "':\n" +
                       block::snapshot_table_header() + rows;
        }
    }
    if (common.empty() && partial.empty()) return "There is no snapshot available.\n";
    std::string out = "List of snapshots present on all disks:\n";
    out += common.empty() ? "None\n" : block::snapshot_table_header() + common;
    return out + partial;
}

}  // namespace kemu
