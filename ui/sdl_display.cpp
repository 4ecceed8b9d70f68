#include "ui/sdl_display.h"

#include <SDL.h>
#include <pthread.h>

#include <atomic>
#include <bitset>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "ui/keymap.h"

namespace kemu {

namespace {

constexpr int kInitialWidth = 640;
constexpr int kInitialHeight = 480;
constexpr auto kFramePeriod = std::chrono::microseconds(1'000'000 / SdlDisplay::kFrameRate);

bool ctrl_alt(const SDL_KeyboardEvent& key) {
    return (key.keysym.mod & KMOD_CTRL) && (key.keysym.mod & KMOD_ALT);
}

uint8_t sdl_buttons(uint32_t state) {
    return uint8_t(((state & SDL_BUTTON_LMASK) ? kButtonLeft : 0) |
                   ((state & SDL_BUTTON_RMASK) ? kButtonRight : 0) |
                   ((state & SDL_BUTTON_MMASK) ? kButtonMiddle : 0));
}

}  // namespace

// The window, on a thread of its own.
class SdlWindowDisplay final : public SdlDisplay {
  public:
    SdlWindowDisplay(Setup setup, ConsoleSet& consoles, ConsoleLink::Post post)
        : setup_(std::move(setup)), link_(consoles, std::move(post)) {}
    ~SdlWindowDisplay() override;

  private:
    friend Result<std::unique_ptr<SdlDisplay>> start_sdl_display(Setup, ConsoleSet&,
                                                                 ConsoleLink::Post);
    struct Window;  // SDL state, owned by the display thread
    void run(std::function<void(Result<void>)> started);

    Setup setup_;
    ConsoleLink link_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Everything SDL: created, used and destroyed on the display thread only.
struct SdlWindowDisplay::Window {
    SdlWindowDisplay& display;
    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    SDL_Texture* texture = nullptr;
    std::vector<uint32_t> pixels;
    int width = 0, height = 0;
    bool grabbed = false;
    bool full_screen = false;
    bool close_sent = false;
    std::bitset<KEY_CNT> keys_down;        // sent to the consoles and not yet released
    std::bitset<SDL_NUM_SCANCODES> eaten;  // the G and F of our shortcuts: their releases too

    explicit Window(SdlWindowDisplay& d) : display(d) {}
    ~Window() {
        if (texture) SDL_DestroyTexture(texture);
        if (renderer) SDL_DestroyRenderer(renderer);
        if (window) SDL_DestroyWindow(window);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
    }

    Result<void> open() {
        // kemu handles SIGINT and SIGTERM itself; SDL must not turn them into SDL_QUIT.
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
        // A grab takes the keyboard too, so Alt+Tab and friends reach the guest.
        SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
        // Pick the driver from the environment, as QEMU picks its default display: SDL would
        // otherwise try Wayland without a compositor (which prints its own complaint) and
        // fall back to drivers nobody can see. SDL_VIDEODRIVER still wins when set.
        auto set = [](const char* name) { return getenv(name) && *getenv(name); };
        bool chosen = set("SDL_VIDEODRIVER");
        if (!chosen && !set("WAYLAND_DISPLAY")) {
            if (!set("DISPLAY"))
                return Error(
                    "could not initialize SDL: no X server or Wayland compositor "
                    "(DISPLAY is not set)");
            SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
        }
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
            return Error(std::string("could not initialize SDL: ") + SDL_GetError());
        std::string driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "";
        if (!chosen && (driver == "offscreen" || driver == "dummy"))
            return Error("could not initialize SDL: no X server or Wayland compositor");
        window = SDL_CreateWindow(title(display.setup_.name, false).c_str(),
                                  SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, kInitialWidth,
                                  kInitialHeight, SDL_WINDOW_RESIZABLE);
        if (!window) return Error(std::string("could not open a window: ") + SDL_GetError());
        renderer = SDL_CreateRenderer(window, -1, 0);
        if (!renderer) return Error(std::string("could not create a renderer: ") + SDL_GetError());
        if (display.setup_.full_screen) toggle_full_screen();
        return ok();
    }

    void set_grab(bool on) {
        grabbed = on;
        SDL_SetWindowGrab(window, on ? SDL_TRUE : SDL_FALSE);
        SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
        SDL_SetWindowTitle(window, title(display.setup_.name, on).c_str());
    }

    void toggle_full_screen() {
        full_screen = !full_screen;
        SDL_SetWindowFullscreen(window, full_screen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        present();
    }

    void release_keys() {
        for (uint16_t code = 0; code < KEY_CNT; code++)
            if (keys_down[code]) display.link_.key(code, false);
        keys_down.reset();
    }

    void key(const SDL_KeyboardEvent& ev) {
        SDL_Scancode sc = ev.keysym.scancode;
        bool down = ev.type == SDL_KEYDOWN;
        if (sc < 0 || sc >= SDL_NUM_SCANCODES) return;
        if (!down && eaten[sc]) {
            eaten[sc] = false;
            return;
        }
        if (down && ctrl_alt(ev) && (sc == SDL_SCANCODE_G || sc == SDL_SCANCODE_F)) {
            eaten[sc] = true;
            if (ev.repeat) return;
            if (sc == SDL_SCANCODE_G)
                set_grab(!grabbed && display.link_.active_wants_pointer());
            else
                toggle_full_screen();
            return;
        }
        uint16_t code = keycode_from_usb_hid(uint32_t(sc));
        if (code == KEY_RESERVED || code >= KEY_CNT) return;
        // A repeat is sent as another press: the guest's keyboard sees typematic repeats.
        keys_down[code] = down;
        display.link_.key(code, down);
    }

    void mouse(const SDL_Event& ev) {
        if (!grabbed) {
            // A click on the guest's display grabs; the click itself stays with us.
            if (ev.type == SDL_MOUSEBUTTONDOWN && ev.button.button == SDL_BUTTON_LEFT &&
                display.link_.active_wants_pointer())
                set_grab(true);
            return;
        }
        PointerMotion motion;
        motion.buttons = sdl_buttons(SDL_GetMouseState(nullptr, nullptr));
        if (ev.type == SDL_MOUSEMOTION) {
            motion.dx = ev.motion.xrel;
            motion.dy = ev.motion.yrel;
        }
        if (ev.type == SDL_MOUSEWHEEL) motion.dz = ev.wheel.y;
        display.link_.pointer(motion);
    }

    void handle(const SDL_Event& ev) {
        switch (ev.type) {
            case SDL_QUIT:
                if (!close_sent && display.setup_.on_close)
                    display.link_.post(display.setup_.on_close);
                close_sent = true;
                break;
            case SDL_KEYDOWN:
            case SDL_KEYUP:
                key(ev.key);
                break;
            case SDL_MOUSEMOTION:
            case SDL_MOUSEBUTTONDOWN:
            case SDL_MOUSEBUTTONUP:
            case SDL_MOUSEWHEEL:
                mouse(ev);
                break;
            case SDL_WINDOWEVENT:
                if (ev.window.event == SDL_WINDOWEVENT_FOCUS_LOST) release_keys();
                if (ev.window.event == SDL_WINDOWEVENT_EXPOSED ||
                    ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
                    present();
                break;
        }
    }

    void take_frame() {
        auto update = display.link_.take_frame(pixels);
        if (!update) return;
        if (update->resized || !texture) {
            if (texture) SDL_DestroyTexture(texture);
            width = update->width;
            height = update->height;
            // SDL_PIXELFORMAT_RGB888 is 0x00RRGGBB words: the surface's own layout.
            texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB888,
                                        SDL_TEXTUREACCESS_STREAMING, width, height);
            SDL_RenderSetLogicalSize(renderer, width, height);
            if (!full_screen) SDL_SetWindowSize(window, width, height);
            if (texture) SDL_UpdateTexture(texture, nullptr, pixels.data(), width * 4);
        } else {
            for (const Rect& r : update->rects) {
                SDL_Rect area{r.x, r.y, r.width, r.height};
                SDL_UpdateTexture(texture, &area, pixels.data() + size_t(r.y) * width + r.x,
                                  width * 4);
            }
        }
        present();
        // A text console does not take the pointer: give it back to the host.
        if (grabbed && !display.link_.active_wants_pointer()) set_grab(false);
    }

    void present() {
        SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255);
        SDL_RenderClear(renderer);
        if (texture) SDL_RenderCopy(renderer, texture, nullptr, nullptr);
        SDL_RenderPresent(renderer);
    }
};

Result<std::unique_ptr<SdlDisplay>> start_sdl_display(SdlDisplay::Setup setup, ConsoleSet& consoles,
                                                      ConsoleLink::Post post) {
    auto display = std::make_unique<SdlWindowDisplay>(std::move(setup), consoles, std::move(post));
    // Shared with the thread: it may still be inside set_value() when start() returns.
    auto opened = std::make_shared<std::promise<Result<void>>>();
    auto result = opened->get_future();
    display->thread_ = std::thread([d = display.get(), opened] {
        d->run([opened](Result<void> r) { opened->set_value(std::move(r)); });
    });
    Result<void> r = result.get();
    if (!r) {
        display->thread_.join();
        return r.error();
    }
    return std::unique_ptr<SdlDisplay>(std::move(display));
}

SdlWindowDisplay::~SdlWindowDisplay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void SdlWindowDisplay::run(std::function<void(Result<void>)> started) {
    // Named for top -H and the display benchmark (bench/display.py).
    pthread_setname_np(pthread_self(), "sdl");
    Window w(*this);
    Result<void> opened = w.open();
    bool ok = opened.ok();
    started(std::move(opened));
    if (!ok) return;
    // The thread sleeps until an event, a frame the main loop has ready (an SDL_USEREVENT,
    // which SDL_PushEvent may send from any thread) or the time to ask for the next frame.
    link_.set_frame_ready([] {
        SDL_Event ready{};
        ready.type = SDL_USEREVENT;
        SDL_PushEvent(&ready);
    });
    using Clock = std::chrono::steady_clock;
    auto next_frame = Clock::now();
    while (!stop_) {
        auto now = Clock::now();
        if (now >= next_frame) {
            link_.request_frame();
            // A steady cadence; after a long stall, start again from now rather than burst.
            next_frame = std::max(next_frame + kFramePeriod, now);
        }
        auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_frame - now);
        SDL_Event ev;
        if (SDL_WaitEventTimeout(&ev, std::max(int(wait.count()), 1))) {
            w.handle(ev);
            while (SDL_PollEvent(&ev))
                w.handle(ev);
        }
        w.take_frame();
    }
    w.release_keys();
}

}  // namespace kemu

// The module's entry (system/module.h).
extern "C" {
extern const kemu::StartSdlDisplay kemu_ui_sdl;
const kemu::StartSdlDisplay kemu_ui_sdl = kemu::start_sdl_display;
}
