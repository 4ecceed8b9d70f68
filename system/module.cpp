#include "system/module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

namespace kemu {

namespace {

std::vector<std::string> search_dirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("KEMU_MODULE_DIR"); env && *env) dirs.push_back(env);
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) dirs.push_back(exe.parent_path().string());
    dirs.push_back(KEMU_MODULE_INSTALL_DIR);
    return dirs;
}

std::string entry_symbol(const std::string& name) {
    std::string symbol = "kemu_" + name;
    for (char& c : symbol)
        if (c == '-') c = '_';
    return symbol;
}

}  // namespace

std::string module_search_path() {
    std::string path;
    for (const std::string& dir : search_dirs())
        path += (path.empty() ? "" : ":") + dir;
    return path;
}

Result<const void*> module_entry_address(const std::string& name) {
    // dlopen and dlsym are thread-safe; the lock only keeps two first uses from racing
    // to report different errors.
    static std::mutex lock;
    std::lock_guard<std::mutex> guard(lock);
    std::string file = name + ".so";
    for (const std::string& dir : search_dirs()) {
        std::string path = dir + "/" + file;
        if (access(path.c_str(), F_OK) != 0) continue;
        // RTLD_NOW: a module that does not fit this executable fails here, with the
        // missing symbol named, rather than in the middle of a run.
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) return Error(dlerror());
        void* entry = dlsym(handle, entry_symbol(name).c_str());
        if (!entry) return Error(path + " is not a kemu module (no " + entry_symbol(name) + ")");
        return static_cast<const void*>(entry);
    }
    return Error(file + " is not in " + module_search_path());
}

}  // namespace kemu
