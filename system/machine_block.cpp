// The machine's drives: opening them, what `info block` and `info blockstats` report, the
// monitor's block jobs (commit, snapshot_blkdev, block_resize) and removable media. The jobs
// run on the drives' I/O threads and finish on the main loop.
#include <memory>

#include "hw/ide/atapi_cdrom.h"
#include "system/log.h"
#include "system/machine.h"
#include "system/machine_steps.h"

namespace kemu {

namespace {

void run_in_sequence(std::shared_ptr<std::vector<BlockStep>> steps, size_t next, std::string text,
                     Machine::BlockDone done) {
    if (next == steps->size()) return done(std::move(text));
    (*steps)[next]([steps, next, text, done = std::move(done)](Result<std::string> r) mutable {
        if (!r) return done(std::move(r));
        run_in_sequence(steps, next + 1, text + *r, std::move(done));
    });
}

}  // namespace

void run_in_sequence(std::vector<BlockStep> steps, Machine::BlockDone done) {
    run_in_sequence(std::make_shared<std::vector<BlockStep>>(std::move(steps)), 0, {},
                    std::move(done));
}

block::BlockBackend::Callback as_step_result(Machine::BlockDone done,
                                             std::function<std::string(const Error&)> wording) {
    return [done = std::move(done), wording = std::move(wording)](Result<void> r) {
        if (!r) return done(Error(wording(r.error())));
        done(std::string());
    };
}

// Images are opened (and locked) now, so a bad file or a second writer is a start-up
// error. IDE drives go to the PIIX3's channels; virtio-blk does not exist yet.
Result<void> Machine::open_drives() {
    for (const DriveSpec& spec : config_.drives) {
        if (spec.options.file.empty()) {
            drives_.push_back({spec, nullptr});  // a CD-ROM drive without media
            continue;
        }
        auto engine = engine_for(block::engine_kind(spec.options.aio, spec.options.cache));
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

// One engine per kind in use, shared by the drives that need it.
Result<block::IoEngine*> Machine::engine_for(block::EngineKind kind) {
    auto& engine = io_engines_[kind];
    if (!engine) {
        KEMU_TRY(made, block::make_engine(kind, loop_));
        engine = std::move(made);
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
    std::vector<BlockStep> steps;
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
    KEMU_TRY(engine, engine_for(block::engine_kind(options.aio, options.cache)));
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
