#include "tools/kemu-img/commands.h"

namespace kemu::img {

namespace {

constexpr const Command* kCommands[] = {
    &kAmendCommand,   &kBenchCommand,  &kCheckCommand,    &kCommitCommand, &kCompareCommand,
    &kConvertCommand, &kCreateCommand, &kInfoCommand,     &kMapCommand,    &kMeasureCommand,
    &kRebaseCommand,  &kResizeCommand, &kSnapshotCommand,
};

}  // namespace

std::span<const Command* const> all_commands() {
    return kCommands;
}

}  // namespace kemu::img
