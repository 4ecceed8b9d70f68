// Loadable modules: the parts of kemu that pull in large libraries (SDL2, libvncserver,
// Capstone) are shared objects opened only when a command line or monitor command needs
// them, so a plain start pays no dynamic-linking cost for them (docs/modules.md).
//
// A module exports one `extern "C"` variable, the pointer to its entry function, named
// `kemu_<module name with - as _>`; the module calls back into the executable's own
// (exported) symbols for everything else.
#pragma once

#include <string>

#include "system/error.h"

namespace kemu {

// The directories searched for "<name>.so", in order: $KEMU_MODULE_DIR, the directory of
// the running executable, and the installed module directory.
std::string module_search_path();

// The entry of module `name` ("ui-vnc"), opened on first use. Errors read
// "ui-vnc.so is not in <path>" or carry the loader's message.
Result<const void*> module_entry_address(const std::string& name);

template <typename Entry>
Result<Entry> module_entry(const std::string& name) {
    auto address = module_entry_address(name);
    if (!address) return address.error();
    return *static_cast<const Entry*>(*address);
}

}  // namespace kemu
