// Handler declarations, generated from the tables so a row without a handler
// fails to link.
#pragma once

namespace kemu {

class Monitor;
class HmpArgs;

#define HMP_COMMAND(name, aliases, args, params, help, handler) \
    void handler(Monitor&, const HmpArgs&);
#include "monitor/hmp_commands.def"
#undef HMP_COMMAND

#define HMP_INFO(name, params, help, handler) void handler(Monitor&);
#include "monitor/hmp_info_commands.def"
#undef HMP_INFO

}  // namespace kemu
