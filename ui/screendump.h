// Writes a DisplaySurface to an image file: binary PPM (P6), what QEMU's `screendump`
// writes by default, or PNG (8-bit RGB, zlib-compressed).
#pragma once

#include <string>
#include <string_view>

#include "system/error.h"
#include "ui/display_surface.h"

namespace kemu {

enum class ImageFormat { Ppm, Png };

// "ppm" or "png" (the monitor's `-f` argument).
Result<ImageFormat> parse_image_format(std::string_view name);

// Errors read "<path>: <reason>" on one line.
Result<void> write_screendump(const DisplaySurface& surface, const std::string& path,
                              ImageFormat format);

}  // namespace kemu
