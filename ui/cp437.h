// Code page 437 is what the VGA font draws; these map what programs write to its codes.
#pragma once

#include <cstdint>

namespace kemu {

// A byte under the DEC special graphics set (ESC ( 0, or G1 after ESC ) 0 and SO):
// 'q' is a horizontal line, 'l' an upper left corner, and so on. Others pass through.
uint8_t dec_graphics_to_cp437(uint8_t byte);

// A Unicode code point: ASCII as itself, the box drawing, block and symbol characters
// dialogs use as their CP437 glyphs, anything else as '?'.
uint8_t unicode_to_cp437(uint32_t code_point);

}  // namespace kemu
