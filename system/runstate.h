// Run states as `info status` names them (QEMU's vocabulary).
#pragma once

namespace kemu {

enum class RunState {
    Prelaunch,  // -S: built, never started
    Running,
    Paused,         // stop
    InternalError,  // the accelerator failed; paused for inspection
    Shutdown,       // guest powered off with -no-shutdown
};

inline const char* run_state_name(RunState s) {
    switch (s) {
        case RunState::Prelaunch:
            return "prelaunch";
        case RunState::Running:
            return "running";
        case RunState::Paused:
            return "paused";
        case RunState::InternalError:
            return "internal-error";
        case RunState::Shutdown:
            return "shutdown";
    }
    return "unknown";
}

}  // namespace kemu
