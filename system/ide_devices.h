// -device ide-hd and -device ide-cd: QEMU's way to put a -drive if=none on an IDE bus.
// kemu's IDE drives are the board's own (hw/i386/pc_pci.cpp builds them from the drive
// list), so these devices are resolved on the command line: each turns its drive into an
// IDE drive at a bus and unit, with the bootindex that orders fw_cfg "bootorder".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "system/drive.h"
#include "system/error.h"
#include "system/machine_config.h"

namespace kemu {

bool is_ide_drive_device(std::string_view driver);

struct IdeDeviceArg {
    std::string text;  // the -device argument, for the error's context
    DeviceSpec spec;   // already checked against the model's properties
};

// Attaches every device, in command-line order, after the -drive if=ide drives took their
// indexes (assign_drive_ids): drive=ID names an if=none drive; bus=ide.0|ide.1 and unit=0|1
// pick the slot, else the first free one. ide-cd without drive= is a drive with an empty
// tray, named by the device's id= or as QEMU names IDE drives. Errors read as QEMU's.
Result<void> attach_ide_devices(const std::vector<IdeDeviceArg>& devices,
                                std::vector<DriveSpec>& drives);

}  // namespace kemu
