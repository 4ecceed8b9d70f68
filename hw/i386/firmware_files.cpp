#include "hw/i386/firmware_files.h"

#include <sys/stat.h>
#include <cerrno>
#include <cstring>

#include "system/read_file.h"

namespace kemu {

namespace {

// Debian's seabios package installs here; qemu-system-data links its copies here too.
constexpr const char* kSystemFirmwareDirs[] = {"/usr/share/seabios", "/usr/share/qemu"};
constexpr uint64_t kMaxFirmwareSize = 16ull << 20;

bool is_regular_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::vector<uint8_t>> read_whole_file(const std::string& path) {
    auto data = read_file(path, kMaxFirmwareSize);
    if (!data) return data.error().with_context(path);
    return data;
}

}  // namespace

Result<std::string> find_firmware_file(std::string_view name,
                                       std::span<const std::string> search_dirs) {
    std::string file(name);
    if (file.find('/') != std::string::npos) {
        if (!is_regular_file(file)) return Error("could not find firmware file '" + file + "'");
        return file;
    }
    for (const std::string& dir : search_dirs)
        if (is_regular_file(dir + "/" + file)) return dir + "/" + file;
    for (const char* dir : kSystemFirmwareDirs)
        if (is_regular_file(std::string(dir) + "/" + file)) return std::string(dir) + "/" + file;
    return Error("could not find firmware file '" + file +
                 "' (install Debian's seabios package, or give -L DIR)");
}

Result<std::vector<uint8_t>> load_bios_image(const std::string& path) {
    auto data = read_whole_file(path);
    if (!data) return data.error();
    if (data->empty() || data->size() % (64 << 10) != 0)
        return Error(path + ": a BIOS image must be a non-empty multiple of 64 KiB (this one is " +
                     std::to_string(data->size()) + " bytes)");
    return data;
}

Result<std::vector<uint8_t>> load_option_rom(const std::string& path) {
    auto data = read_whole_file(path);
    if (!data) return data.error();
    if (data->size() < 3 || (*data)[0] != 0x55 || (*data)[1] != 0xaa)
        return Error(path + ": not an option ROM (no 55 AA signature)");
    return data;
}

}  // namespace kemu
