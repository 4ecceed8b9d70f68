// Internal VM snapshots (`savevm`, `loadvm`, `delvm`, `info snapshots`): one snapshot of
// each drive that takes them, made with the VM stopped. Disk-only for now.
#include <time.h>

#include "system/machine.h"
#include "system/machine_steps.h"

namespace kemu {

namespace {

// A step running `op` with the drive to itself; an error reads "<prefix><drive id>': <why>".
BlockStep exclusive_step(block::BlockBackend& backend, const std::string& id,
                         std::function<Result<void>(block::BlockDriver&)> op, std::string prefix) {
    return [&backend, id, op = std::move(op),
            prefix = std::move(prefix)](Machine::BlockDone step_done) {
        backend.run_exclusive(op,
                              as_step_result(std::move(step_done), [id, prefix](const Error& e) {
                                  return prefix + id + "': " + e.message();
                              }));
    };
}

std::string default_snapshot_name() {
    time_t now = time(nullptr);
    struct tm tm {};
    localtime_r(&now, &tm);
    char name[32];
    std::strftime(name, sizeof name, "vm-%Y%m%d%H%M%S", &tm);
    return name;
}

bool has_snapshot(const block::ImageInfo& info, const std::string& id_or_name) {
    for (const block::SnapshotInfo& s : info.snapshots) {
        if (s.id == id_or_name || s.name == id_or_name) return true;
    }
    return false;
}

}  // namespace

// Drives a VM snapshot covers: every writable one, all of which must support snapshots.
Result<std::vector<Machine::Drive*>> Machine::snapshot_drives() {
    std::vector<Drive*> drives;
    for (Drive& d : drives_) {
        if (!d.backend || d.backend->read_only()) continue;
        if (!d.backend->supports_snapshots()) {
            return Error("Device '" + d.spec.id + "' is writable but does not support snapshots");
        }
        drives.push_back(&d);
    }
    if (drives.empty()) return Error("No block device can accept snapshots");
    return drives;
}

// With the VM stopped for its duration, as QEMU's savevm/loadvm do.
void Machine::run_stopped(std::vector<BlockStep> steps, BlockDone done) {
    bool was_running = run_state_ == RunState::Running;
    stop();
    run_in_sequence(std::move(steps),
                    [this, was_running, done = std::move(done)](Result<std::string> r) mutable {
                        if (was_running) (void)cont();
                        done(std::move(r));
                    });
}

// An existing snapshot of the same name is replaced, as in QEMU. Device state is not saved
// yet (it comes with the snapshot issue): the snapshots are disk-only, vm state size 0.
void Machine::save_snapshot(const std::string& requested, BlockDone done) {
    auto drives = snapshot_drives();
    if (!drives) return done(drives.error());
    std::string name = requested.empty() ? default_snapshot_name() : requested;
    struct timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    auto sec = static_cast<uint32_t>(now.tv_sec), nsec = static_cast<uint32_t>(now.tv_nsec);
    auto vm_clock = static_cast<uint64_t>(clock_.now_ns());
    std::vector<BlockStep> steps;
    for (Drive* d : *drives) {
        auto create = [name, sec, nsec, vm_clock](block::BlockDriver& driver) -> Result<void> {
            if (has_snapshot(driver.info(), name)) KEMU_TRY_VOID(driver.snapshot_delete(name));
            return driver.snapshot_create(
                {.name = name, .date_sec = sec, .date_nsec = nsec, .vm_clock_nsec = vm_clock});
        };
        steps.push_back(
            exclusive_step(*d->backend, d->spec.id, create, "Error while creating snapshot on '"));
    }
    run_stopped(std::move(steps), std::move(done));
}

// The disks go back to the snapshot. Without saved device state the running guest's
// memory no longer matches its disks, so the machine is reset, and the monitor says so.
void Machine::load_snapshot(const std::string& name, BlockDone done) {
    auto drives = snapshot_drives();
    if (!drives) return done(drives.error());
    for (Drive* d : *drives) {
        if (!has_snapshot(d->backend->info(), name)) {
            return done(Error("Snapshot '" + name + "' does not exist in one or more devices"));
        }
    }
    std::vector<BlockStep> steps;
    for (Drive* d : *drives) {
        steps.push_back(exclusive_step(
            *d->backend, d->spec.id,
            [name](block::BlockDriver& driver) { return driver.snapshot_apply(name); },
            "Error while reverting to snapshot on '"));
    }
    // Before the vCPUs resume, so the guest never runs on the reverted disks; directly, not
    // as a reset request, which -no-reboot would turn into an exit.
    steps.push_back([this](BlockDone step_done) {
        do_reset(*main_lock_);
        step_done(std::string(
            "loadvm: the snapshot holds no device state (kemu cannot save it yet); the disks "
            "are restored and the machine is reset\n"));
    });
    run_stopped(std::move(steps), std::move(done));
}

void Machine::delete_snapshot(const std::string& name, BlockDone done) {
    auto drives = snapshot_drives();
    if (!drives) return done(drives.error());
    std::vector<BlockStep> steps;
    for (Drive* d : *drives) {
        if (!has_snapshot(d->backend->info(), name)) continue;
        steps.push_back(exclusive_step(
            *d->backend, d->spec.id,
            [name](block::BlockDriver& driver) { return driver.snapshot_delete(name); },
            "Error while deleting snapshot on device '"));
    }
    run_in_sequence(std::move(steps), std::move(done));
}

Result<std::vector<DriveSnapshots>> Machine::drive_snapshots() {
    KEMU_TRY(drives, snapshot_drives());
    std::vector<DriveSnapshots> out;
    for (Drive* d : drives)
        out.push_back({d->spec.id, d->backend->info().snapshots});
    return out;
}

}  // namespace kemu
