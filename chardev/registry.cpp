#include "chardev/registry.h"

#include "chardev/file_chardev.h"
#include "chardev/mux_chardev.h"
#include "chardev/null_chardev.h"
#include "chardev/pty_chardev.h"
#include "chardev/socket_chardev.h"
#include "chardev/stdio_chardev.h"
#include "chardev/vc_chardev.h"

namespace kemu {

namespace {

using ChardevResult = Result<std::unique_ptr<Chardev>>;

// Widens a Result<unique_ptr<Derived>> to Result<unique_ptr<Chardev>>.
template <typename T>
ChardevResult widen(Result<std::unique_ptr<T>> result) {
    if (!result) return result.error();
    return std::unique_ptr<Chardev>(std::move(*result));
}

ChardevResult make_null(const ChardevSpec& spec, EventLoop&) {
    return std::unique_ptr<Chardev>(std::make_unique<NullChardev>(spec.id));
}
ChardevResult make_stdio(const ChardevSpec& spec, EventLoop& loop) {
    return widen(StdioChardev::create(spec.id, loop, spec.signals));
}
ChardevResult make_file(const ChardevSpec& spec, EventLoop&) {
    return widen(FileChardev::create(spec.id, spec.path, spec.append));
}
ChardevResult make_pty(const ChardevSpec& spec, EventLoop& loop) {
    return widen(PtyChardev::create(spec.id, loop));
}
ChardevResult make_socket(const ChardevSpec& spec, EventLoop& loop) {
    return widen(SocketChardev::create(spec.id, loop, spec.socket));
}
ChardevResult make_vc(const ChardevSpec& spec, EventLoop&) {
    return std::unique_ptr<Chardev>(std::make_unique<VcChardev>(spec.id));
}

// Indexed by ChardevBackend.
constexpr ChardevResult (*kFactories[])(const ChardevSpec&, EventLoop&) = {
    make_null, make_stdio, make_file, make_pty, make_socket, make_vc,
};
static_assert(std::size(kFactories) == size_t(ChardevBackend::Vc) + 1);

}  // namespace

ChardevRegistry::ChardevRegistry(EventLoop& loop) : loop_(loop) {}

ChardevRegistry::~ChardevRegistry() {
    while (!chardevs_.empty())
        chardevs_.pop_back();
}

void ChardevRegistry::set_quit_handler(std::function<void()> handler) {
    on_quit_ = std::move(handler);
    for (MuxChardev* mux : muxes_)
        mux->set_quit_handler(on_quit_);
}

Chardev* ChardevRegistry::find(std::string_view id) const {
    for (const auto& chr : chardevs_)
        if (chr->id() == id) return chr.get();
    return nullptr;
}

Chardev* ChardevRegistry::add(std::unique_ptr<Chardev> chardev) {
    chardevs_.push_back(std::move(chardev));
    return chardevs_.back().get();
}

Result<std::unique_ptr<Chardev>> ChardevRegistry::create_backend(const ChardevSpec& spec) {
    return kFactories[size_t(spec.backend)](spec, loop_);
}

Result<Chardev*> ChardevRegistry::create(const ChardevSpec& spec) {
    if (find(spec.id)) return Error("duplicate chardev id '" + spec.id + "'");
    if (!spec.mux) {
        KEMU_TRY(chr, create_backend(spec));
        return add(std::move(chr));
    }
    ChardevSpec base_spec = spec;
    base_spec.id = spec.id + "-base";
    base_spec.mux = false;
    if (find(base_spec.id)) return Error("duplicate chardev id '" + base_spec.id + "'");
    KEMU_TRY(base, create_backend(base_spec));
    Chardev* backend = add(std::move(base));
    auto mux = std::make_unique<MuxChardev>(spec.id, *backend);
    mux->set_quit_handler(on_quit_);
    muxes_.push_back(mux.get());
    return add(std::move(mux));
}

Result<Chardev*> ChardevRegistry::add_chardev_option(std::string_view text) {
    std::string context = "-chardev " + std::string(text);
    auto spec = parse_chardev_option(text);
    if (!spec) return spec.error().with_context(context);
    auto chr = create(*spec);
    if (!chr) return chr.error().with_context(context);
    return chr;
}

Result<ChardevRegistry::Legacy> ChardevRegistry::add_legacy(std::string_view option,
                                                            std::string_view text, std::string id) {
    std::string context = std::string(option) + " " + std::string(text);
    auto spec = parse_legacy_chardev(text, std::move(id));
    if (!spec) return spec.error().with_context(context);
    Legacy legacy;
    legacy.with_monitor = spec->with_monitor;
    switch (spec->kind) {
        case LegacyChardevSpec::Kind::None:
            return legacy;
        case LegacyChardevSpec::Kind::Existing:
            legacy.chardev = find(spec->existing_id);
            if (!legacy.chardev)
                return Error("chardev '" + spec->existing_id + "' not found").with_context(context);
            return legacy;
        case LegacyChardevSpec::Kind::New:
            break;
    }
    auto chr = create(spec->spec);
    if (!chr) return chr.error().with_context(context);
    legacy.chardev = *chr;
    return legacy;
}

Result<Chardev*> ChardevRegistry::add_nographic_console() {
    KEMU_TRY(legacy, add_legacy("-nographic", "mon:stdio", "serial0"));
    return legacy.chardev;
}

std::string ChardevRegistry::info_text() const {
    std::string out;
    for (const auto& chr : chardevs_)
        out += chr->id() + ": filename=" + chr->filename() + "\n";
    return out;
}

}  // namespace kemu
