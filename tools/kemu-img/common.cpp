#include "tools/kemu-img/common.h"

#include <cstdio>

namespace kemu::img {

int fail(const std::string& message) {
    std::fprintf(stderr, "kemu-img: %s\n", message.c_str());
    return 1;
}

int fail(const Error& error) {
    return fail(error.message());
}

Result<bool> json_output(const ParsedArgs& args) {
    std::string output = args.value("output", "human");
    if (output != "human" && output != "json") {
        return Error("--output must be used with human or json as argument.");
    }
    return output == "json";
}

Result<OpenedImage> open_for_tool(const std::string& path, const std::string& format, bool writable,
                                  bool open_backing, bool share) {
    block::OpenOptions o;
    o.format = format;
    o.read_only = !writable;
    o.open_backing = open_backing;
    return open_for_tool(path, o, share);
}

Result<OpenedImage> open_for_tool(const std::string& path, const block::OpenOptions& options,
                                  bool share) {
    OpenedImage image;
    if (!share) {
        auto lock = block::ImageLock::acquire(path, !options.read_only, false);
        if (!lock) return lock.error().with_context("Could not open '" + path + "'");
        image.lock.emplace(std::move(*lock));
    }
    auto driver = block::open_image(path, options);
    if (!driver) {
        // Errors from deeper in the chain do not name the image asked for; qemu-img's do.
        const std::string& message = driver.error().message();
        if (message.starts_with("Could not open backing file")) {
            return driver.error().with_context("Could not open '" + path + "'");
        }
        return driver.error();
    }
    image.driver = std::move(*driver);
    return image;
}

void Progress::update(double fraction) {
    if (!enabled_) return;
    double pct = fraction * 100.0;
    // qemu-img redraws when progress moves by at least 1%.
    if (last_ >= 0 && pct < 100.0 && pct - last_ < 1.0) return;
    last_ = pct;
    std::printf("    (%3.2f/100%%)\r", pct);
    std::fflush(stdout);
}

void Progress::finish() {
    if (!enabled_) return;
    update(1.0);
    std::printf("\n");
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

}  // namespace kemu::img
