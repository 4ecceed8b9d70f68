#include "ui/console.h"

#include <algorithm>
#include <iterator>

#include "ui/frame_mirror.h"

namespace kemu {

namespace {

// KEY_1 .. KEY_9: the console shortcuts (KEY_0 stands for a tenth console, as in QEMU).
constexpr uint16_t kConsoleKeys[] = {KEY_1, KEY_2, KEY_3, KEY_4, KEY_5,
                                     KEY_6, KEY_7, KEY_8, KEY_9, KEY_0};

}  // namespace

Console& ConsoleSet::add(std::unique_ptr<Console> console) {
    consoles_.push_back(std::move(console));
    return *consoles_.back();
}

void ConsoleSet::release_held_keys() {
    for (uint16_t code = 0; code < KEY_CNT; code++)
        if (held_[code]) active().key(code, false);
    held_.reset();
}

bool ConsoleSet::select(size_t index) {
    if (index >= consoles_.size()) return false;
    if (index == active_) return true;
    release_held_keys();
    active_ = index;
    stale_mirrors_ = mirrors_;
    return true;
}

void ConsoleSet::key(uint16_t code, bool down) {
    if (consoles_.empty() || code >= KEY_CNT) return;
    pressed_[code] = down;
    if (!down && swallowed_[code]) {
        swallowed_[code] = false;
        return;
    }
    bool ctrl = pressed_[KEY_LEFTCTRL] || pressed_[KEY_RIGHTCTRL];
    bool alt = pressed_[KEY_LEFTALT] || pressed_[KEY_RIGHTALT];
    const uint16_t* shortcut = std::find(std::begin(kConsoleKeys), std::end(kConsoleKeys), code);
    if (down && ctrl && alt && shortcut != std::end(kConsoleKeys)) {
        swallowed_[code] = true;
        // The old console sees Ctrl and Alt go up (select releases what it holds); the
        // new one sees nothing of them until they go down again.
        select(size_t(shortcut - std::begin(kConsoleKeys)));
        return;
    }
    // A release whose press went to another console belongs to nobody now.
    if (!down && !held_[code]) return;
    held_[code] = down;
    active().key(code, down);
}

void ConsoleSet::pointer(const PointerMotion& motion) {
    if (!consoles_.empty()) active().pointer(motion);
}

void ConsoleSet::add_mirror(FrameMirror* mirror) {
    mirrors_.push_back(mirror);
    stale_mirrors_.push_back(mirror);
}

void ConsoleSet::remove_mirror(FrameMirror* mirror) {
    std::erase(mirrors_, mirror);
    std::erase(stale_mirrors_, mirror);
}

void ConsoleSet::update_mirrors() {
    if (consoles_.empty()) return;
    Console& console = active();
    console.refresh();
    DisplaySurface& surface = console.surface();
    std::vector<Rect> dirty = surface.take_dirty();
    for (FrameMirror* mirror : mirrors_) {
        bool stale =
            std::find(stale_mirrors_.begin(), stale_mirrors_.end(), mirror) != stale_mirrors_.end();
        if (stale)
            mirror->capture_all(surface);
        else if (!dirty.empty())
            mirror->capture(surface, dirty);
    }
    stale_mirrors_.clear();
}

}  // namespace kemu
