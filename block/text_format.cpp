#include "block/text_format.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace kemu::block {

namespace {

std::string vm_clock(uint64_t nsec) {
    uint64_t ms = nsec / 1000000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu.%03llu",
                  static_cast<unsigned long long>(ms / 3600000),
                  static_cast<unsigned long long>(ms / 60000 % 60),
                  static_cast<unsigned long long>(ms / 1000 % 60),
                  static_cast<unsigned long long>(ms % 1000));
    return buf;
}

std::string date_string(uint32_t sec) {
    time_t t = sec;
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

}  // namespace

std::string human_size(uint64_t bytes) {
    static const char* const prefixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    int exponent = 0;
    // Switch to the next unit once the integer part would reach 1000.
    std::frexp(static_cast<double>(bytes) / (1000.0 / 1024.0), &exponent);
    int unit = (exponent - 1) / 10;
    if (unit < 0) unit = 0;
    double scaled = static_cast<double>(bytes) / static_cast<double>(1ull << (unit * 10));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%0.3g %sB", scaled, prefixes[unit]);
    return buf;
}

std::string snapshot_table_header() {
    char line[128];
    std::snprintf(line, sizeof line, "%-9s %-17s %7s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE",
                  "VM CLOCK", "ICOUNT");
    return line;
}

std::string snapshot_table_row(const SnapshotInfo& s) {
    std::string icount = s.icount_valid ? std::to_string(s.icount) : "";
    char line[512];
    std::snprintf(line, sizeof line, "%-9s %-17s %7s%20s%13s%11s\n", s.id.c_str(), s.name.c_str(),
                  human_size(s.vm_state_size).c_str(), date_string(s.date_sec).c_str(),
                  vm_clock(s.vm_clock_nsec).c_str(), icount.c_str());
    return line;
}

}  // namespace kemu::block
