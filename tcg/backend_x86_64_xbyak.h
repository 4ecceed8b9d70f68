// The one place xbyak (header-only x86 encoder) is included: errors are reported through
// Xbyak::GetError() instead of exceptions, and its own warnings are kept out of ours.
// Every file of the backend must include xbyak through here (the macro changes its bodies).
#pragma once

#define XBYAK_NO_EXCEPTION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wconversion"
#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>
#pragma GCC diagnostic pop
