// SdlDisplay for a build without SDL2: -display sdl is then a one-line error.
#include "ui/sdl_display.h"

namespace kemu {

Result<std::unique_ptr<SdlDisplay>> SdlDisplay::start(Setup, ConsoleSet&, ConsoleLink::Post) {
    return Error("SDL support is not built into this kemu (SDL2 was not found)");
}

// Never constructed: start() above is the only way to make one.
SdlDisplay::~SdlDisplay() = default;

}  // namespace kemu
