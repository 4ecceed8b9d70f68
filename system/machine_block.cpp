// The machine's drives: opening them, what `info block`, `info blockstats` and `info
// snapshots` report, and the monitor's block operations (commit, internal snapshots). The
// operations run on the drives' I/O threads and finish on the main loop.
#include <time.h>

#include <memory>

#include "hw/ide/atapi_cdrom.h"
#include "system/log.h"
#include "system/machine.h"

namespace kemu {

namespace {

using Step = std::function<void(Machine::BlockDone)>;

// Runs asynchronous steps one after another; the first error ends the sequence. The text
// the steps report is joined.
void run_in_sequence(std::shared_ptr<std::vector<Step>> steps, size_t next, std::string text,
                     Machine::BlockDone done) {
    if (next == steps->size()) return done(std::move(text));
    (*steps)[next]([steps, next, text, done = std::move(done)](Result<std::string> r) mutable {
        if (!r) return done(std::move(r));
        run_in_sequence(steps, next + 1, text + *r, std::move(done));
    });
}

void run_in_sequence(std::vector<Step> steps, Machine::BlockDone done) {
    run_in_sequence(std::make_shared<std::vector<Step>>(std::move(steps)), 0, {}, std::move(done));
}

// Adapts a backend callback to a step's.
block::BlockBackend::Callback as_step_result(Machine::BlockDone done,
                                             std::function<std::string(const Error&)> wording) {
    return [done = std::move(done), wording = std::move(wording)](Result<void> r) {
        if (!r) return done(Error(wording(r.error())));
        done(std::string());
    };
}

// A step running `op` with the drive to itself; an error reads "<prefix><drive id>': <why>".
Step exclusive_step(block::BlockBackend& backend, const std::string& id,
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

// Images are opened (and locked) now, so a bad file or a second writer is a start-up
// error. IDE drives go to the PIIX3's channels; virtio-blk does not exist yet.
Result<void> Machine::open_drives() {
    for (const DriveSpec& spec : config_.drives) {
        if (spec.options.file.empty()) {
            drives_.push_back({spec, nullptr});  // a CD-ROM drive without media
            continue;
        }
        auto engine = engine_for(block::engine_mode(spec.options.aio, spec.options.cache));
        if (!engine) return engine.error().with_context("-drive " + spec.id);
        auto backend = block::BlockBackend::open(spec.options, **engine);
        if (!backend) return backend.error().with_context("-drive " + spec.id);
        if (spec.interface == DriveInterface::Virtio)
            log_host_warning(
                "drive %s: kemu has no %s controller yet; the image is open but "
                "no guest device uses it",
                spec.id.c_str(), drive_interface_name(spec.interface));
        drives_.push_back({spec, std::move(*backend)});
    }
    return ok();
}

std::vector<BlockDeviceInfo> Machine::block_info() const {
    std::vector<BlockDeviceInfo> out;
    for (const Drive& d : drives_) {
        BlockDeviceInfo& info = out.emplace_back();
        info.device = d.spec.id;
        if (d.spec.interface == DriveInterface::Ide)
            info.attached_to = "/machine/" + d.spec.id;
        else if (d.spec.interface == DriveInterface::Virtio)
            info.attached_to = "(no virtio device yet)";
        if (!d.backend) continue;
        info.medium = BlockDeviceInfo::Medium{
            .file = d.spec.options.file,
            .format = d.backend->info().format,
            .read_only = d.backend->read_only(),
            .cache = block::cache_flags(d.backend->cache_mode()),
            .detect_zeroes = d.spec.options.detect_zeroes,
            .snapshot = d.spec.options.snapshot,
        };
    }
    return out;
}

std::vector<BlockDeviceStats> Machine::blockstats() const {
    std::vector<BlockDeviceStats> out;
    for (const Drive& d : drives_)
        out.push_back({d.spec.id, d.backend ? d.backend->stats() : block::BlockStats{}});
    return out;
}

// One engine per engine_mode in use, shared by the drives that chose it.
Result<block::IoEngine*> Machine::engine_for(block::AioMode mode) {
    auto& engine = io_engines_[mode];
    if (!engine) {
        auto made = block::make_engine(mode, loop_);
        if (!made) return made.error();
        engine = std::move(*made);
    }
    return engine.get();
}

Machine::Drive* Machine::find_drive(const std::string& id) {
    for (Drive& d : drives_) {
        if (d.spec.id == id) return &d;
    }
    return nullptr;
}

// As QEMU's `commit`: one drive, or every drive that has a backing image.
void Machine::block_commit(const std::string& device, BlockDone done) {
    std::vector<Drive*> targets;
    if (device == "all") {
        for (Drive& d : drives_) {
            if (d.backend && d.backend->has_backing()) targets.push_back(&d);
        }
    } else {
        Drive* d = find_drive(device);
        if (!d) return done(Error("Device '" + device + "' not found"));
        if (!d->backend) return done(Error("Device '" + device + "' has no medium"));
        targets.push_back(d);
    }
    std::vector<Step> steps;
    for (Drive* d : targets) {
        steps.push_back([d, device](BlockDone step_done) {
            d->backend->commit(as_step_result(std::move(step_done), [device](const Error& e) {
                return "'commit' error for '" + device + "': " + e.message();
            }));
        });
    }
    run_in_sequence(std::move(steps), std::move(done));
}

void Machine::snapshot_blkdev(const std::string& device, const std::string& file,
                              const std::string& format, BlockDone done) {
    Drive* d = find_drive(device);
    if (!d) return done(Error("Device '" + device + "' not found"));
    if (!d->backend) return done(Error("Device '" + device + "' has no medium"));
    if (!format.empty() && format != "qcow2") {
        return done(Error("Format '" + format + "' cannot hold an external snapshot; use qcow2"));
    }
    d->backend->snapshot_to(file, as_step_result(std::move(done), [file](const Error& e) {
                                return "Could not create '" + file + "': " + e.message();
                            }));
}

void Machine::block_resize(const std::string& device, uint64_t size, BlockDone done) {
    Drive* d = find_drive(device);
    if (!d) return done(Error("Device '" + device + "' not found"));
    if (!d->backend) return done(Error("Device '" + device + "' has no medium"));
    d->backend->resize(size,
                       as_step_result(std::move(done), [](const Error& e) { return e.message(); }));
}

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
void Machine::run_stopped(std::vector<Step> steps, BlockDone done) {
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
    std::vector<Step> steps;
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
    std::vector<Step> steps;
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
    std::vector<Step> steps;
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

Result<ide::AtapiCdrom*> Machine::removable_drive(const std::string& device) {
    Drive* drive = find_drive(device);
    if (!drive) return Error("Device '" + device + "' not found");
    ide::AtapiCdrom* cd = board_->cdrom(drive->spec.id);
    if (!cd) return Error("Device '" + device + "' is not removable");
    return cd;
}

Result<void> Machine::eject(const std::string& device, bool force) {
    KEMU_TRY(cd, removable_drive(device));
    return cd->eject(force);
}

// The old medium leaves the drive first, so a guest that locked the tray keeps it unless
// the user forces it with `eject -f`, as in QEMU.
Result<void> Machine::change_medium(const std::string& device, const std::string& file,
                                    const std::string& format) {
    KEMU_TRY(cd, removable_drive(device));
    Drive* drive = find_drive(device);
    DriveOptions options = drive->spec.options;
    options.file = file;
    options.format = format;
    options.read_only = true;
    KEMU_TRY(engine, engine_for(block::engine_mode(options.aio, options.cache)));
    auto backend = block::BlockBackend::open(options, *engine);
    if (!backend) return backend.error().with_context("Could not open '" + file + "'");
    if (cd->medium()) KEMU_TRY_VOID(cd->eject(false));
    if (drive->backend) retired_media_.push_back(std::move(drive->backend));
    drive->backend = std::move(*backend);
    drive->spec.options = options;
    cd->insert(drive->backend.get());
    return ok();
}

Result<void> Machine::screendump(const std::string& path, const std::string& format) {
    return board_->screendump(path, format);
}

}  // namespace kemu
